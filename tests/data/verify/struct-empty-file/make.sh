#!/usr/bin/env bash
# An empty signature file.
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
doc
: >sig.p7s
write_args --trust trust.pem sig.p7s doc.txt
