#!/usr/bin/env bash
# A valid detached signature, verified with the signature /dev/zero: an endless device, not a file.
source "$(dirname "$0")/../_tools/lib.sh"
two_level_pki
doc
sign "$K/ali.pem" "$K/ali.key" sig.p7s
write_args --trust trust.pem /dev/zero doc.txt
