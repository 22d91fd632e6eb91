#!/usr/bin/env bash
# The root (RSA-2048) signed the intermediate's certificate with md5WithRSAEncryption.
source "$(dirname "$0")/../_tools/lib.sh"
issue root "$ROOT_SUBJ" rsa2048 root -
MD=md5 issue inter "$INTER_SUBJ" p256 ca root
issue ali "$ALI_SUBJ" p256 signer inter
cp "$K/root.pem" trust.pem
doc
CHAIN=$K/inter.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
write_args --trust trust.pem sig.p7s doc.txt
