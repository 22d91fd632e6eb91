#!/usr/bin/env bash
# SignerInfo digest MD5 (RSA-2048 signer).
source "$(dirname "$0")/../_tools/lib.sh"
std_ca
issue ali "$ALI_SUBJ" rsa2048 signer inter
doc
DIGEST=md5 CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
write_args --trust trust.pem sig.p7s doc.txt
