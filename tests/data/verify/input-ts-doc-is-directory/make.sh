#!/usr/bin/env bash
# A valid timestamp token over doc.txt; tsign timestamp verify is given a folder (docdir/, kept in
# git by a .keep file) as the document.
source "$(dirname "$0")/../_tools/lib.sh"
two_level_pki
doc
DATA=doc.txt tstoken doc.txt token.der tsa
mkdir docdir
: >docdir/.keep
write_command timestamp verify --trust trust.pem token.der docdir
