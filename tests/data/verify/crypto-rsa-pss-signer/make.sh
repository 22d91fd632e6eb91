#!/usr/bin/env bash
# An RSA-2048 signer using RSASSA-PSS.
source "$(dirname "$0")/../_tools/lib.sh"
std_ca
issue ali "$ALI_SUBJ" rsa2048 signer inter
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s -keyopt rsa_padding_mode:pss
write_args --trust trust.pem sig.p7s doc.txt
