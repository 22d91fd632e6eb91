#!/usr/bin/env bash
# The intermediate is neither in the signature nor given with --untrusted.
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
doc
sign "$K/ali.pem" "$K/ali.key" sig.p7s
write_args --trust trust.pem sig.p7s doc.txt
