#!/usr/bin/env bash
# One byte inside r of the ECDSA signature value changed (the DER stays well formed).
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
$CMS flip-signature sig.p7s "$K/x.p7s"
mv "$K/x.p7s" sig.p7s
write_args --trust trust.pem sig.p7s doc.txt
