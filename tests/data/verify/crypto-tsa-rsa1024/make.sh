#!/usr/bin/env bash
# The signature timestamp comes from a TSA whose key is RSA-1024 (token by openssl ts -reply, now).
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
issue tsa "$TSA_SUBJ" rsa1024 tsa inter
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
TSA_CHAIN=$K/inter.pem tstoken sig.p7s "$K/tok.der" tsa
add_ts sig.p7s "$K/tok.der"
write_args --trust trust.pem sig.p7s doc.txt
