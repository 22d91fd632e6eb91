#!/usr/bin/env bash
# A valid detached signature; the document given is a folder (docdir/, kept in git by a .keep file).
source "$(dirname "$0")/../_tools/lib.sh"
two_level_pki
doc
sign "$K/ali.pem" "$K/ali.key" sig.p7s
mkdir docdir
: >docdir/.keep
write_args --trust trust.pem sig.p7s docdir
