#!/usr/bin/env bash
# A valid DER signature cut 100 bytes short.
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" "$K/full.p7s"
head -c $(($(stat -c %s "$K/full.p7s") - 100)) "$K/full.p7s" >sig.p7s
write_args --trust trust.pem sig.p7s doc.txt
