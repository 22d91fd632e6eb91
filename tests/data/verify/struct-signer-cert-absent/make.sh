#!/usr/bin/env bash
# The SignedData carries no certificates (openssl cms -nocerts) and none is given.
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
doc
sign "$K/ali.pem" "$K/ali.key" sig.p7s -nocerts
write_args --trust trust.pem sig.p7s doc.txt
