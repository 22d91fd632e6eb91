#!/usr/bin/env bash
# The trust anchor is an RSA-2048 root self-signed with sha1WithRSAEncryption; it issued the
# intermediate with SHA-256.
source "$(dirname "$0")/../_tools/lib.sh"
MD=sha1 issue root "$ROOT_SUBJ" rsa2048 root -
issue inter "$INTER_SUBJ" p256 ca root
issue ali "$ALI_SUBJ" p256 signer inter
cp "$K/root.pem" trust.pem
doc
CHAIN=$K/inter.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
write_args --trust trust.pem sig.p7s doc.txt
