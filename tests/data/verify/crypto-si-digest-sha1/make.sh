#!/usr/bin/env bash
# SignerInfo digest SHA-1 (ecdsa-with-SHA1), B-B, everything else valid.
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
doc
DIGEST=sha1 CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
write_args --trust trust.pem sig.p7s doc.txt
