#!/usr/bin/env bash
# The signer's key is RSA-512.
source "$(dirname "$0")/../_tools/lib.sh"
std_ca
issue ali "$ALI_SUBJ" rsa512 signer inter
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
write_args --trust trust.pem sig.p7s doc.txt
