#!/usr/bin/env bash
# --revocation require and no revocation data at all (offline, no CRL / OCSP given or named).
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
write_args --trust trust.pem --revocation require sig.p7s doc.txt
