#!/usr/bin/env bash
# The signature timestamp's message imprint is MD5 over the signature value (token by openssl ts).
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
issue tsa "$TSA_SUBJ" p256 tsa inter
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
TSA_CHAIN=$K/inter.pem tstoken sig.p7s "$K/tok.der" tsa "" md5
add_ts sig.p7s "$K/tok.der"
write_args --trust trust.pem sig.p7s doc.txt
