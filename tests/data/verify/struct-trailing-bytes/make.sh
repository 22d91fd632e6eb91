#!/usr/bin/env bash
# A valid DER signature followed by trailing bytes.
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
printf 'TRAILING DATA AFTER THE DER SIGNATURE\n' >>sig.p7s
write_args --trust trust.pem sig.p7s doc.txt
