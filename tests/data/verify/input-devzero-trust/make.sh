#!/usr/bin/env bash
# A valid detached signature, verified with --trust /dev/zero: an endless device, not a file.
source "$(dirname "$0")/../_tools/lib.sh"
two_level_pki
doc
sign "$K/ali.pem" "$K/ali.key" sig.p7s
write_args --trust /dev/zero sig.p7s doc.txt
