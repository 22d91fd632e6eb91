#!/usr/bin/env bash
# The TSA's certificate was signed by the intermediate with ecdsa-with-SHA1.
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
MD=sha1 issue tsa "$TSA_SUBJ" p256 tsa inter
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
TSA_CHAIN=$K/inter.pem tstoken sig.p7s "$K/tok.der" tsa
add_ts sig.p7s "$K/tok.der"
write_args --trust trust.pem sig.p7s doc.txt
