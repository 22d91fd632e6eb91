#!/usr/bin/env bash
# crypto-inter-rsa1024 verified with --allow-weak-algorithms.
source "$(dirname "$0")/../_tools/lib.sh"
issue root "$ROOT_SUBJ" p256 root -
issue inter "$INTER_SUBJ" rsa1024 ca root
issue ali "$ALI_SUBJ" p256 signer inter
cp "$K/root.pem" trust.pem
doc
CHAIN=$K/inter.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
write_args --trust trust.pem --allow-weak-algorithms sig.p7s doc.txt
