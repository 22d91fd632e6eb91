#!/usr/bin/env bash
# A plain B-B signature (openssl cms -sign -cades), the chain valid 2005..2049: valid at the current time.
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
write_args --trust trust.pem sig.p7s doc.txt
