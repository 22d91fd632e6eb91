#!/usr/bin/env bash
# A valid chain, but trust.pem holds another root.
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
issue other "/CN=مرکز صدور گواهی دیگر/O=$ORG/C=IR" p256 root -
cp "$K/other.pem" trust.pem
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
write_args --trust trust.pem sig.p7s doc.txt
