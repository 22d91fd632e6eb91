#!/usr/bin/env bash
# crypto-si-digest-sha1 verified with --allow-weak-algorithms.
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
doc
DIGEST=sha1 CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
write_args --trust trust.pem --allow-weak-algorithms sig.p7s doc.txt
