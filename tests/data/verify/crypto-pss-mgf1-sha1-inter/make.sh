#!/usr/bin/env bash
# RSA-3072 root -> RSA-3072 intermediate whose certificate the root signed with RSA-PSS / SHA-256
# and MGF1-SHA-1 -> EC P-256 signer (ECDSA-SHA-256, intermediate embedded).
source "$(dirname "$0")/../_tools/lib.sh"
issue root "$ROOT_SUBJ" rsa3072 root -
SIGOPT="rsa_padding_mode:pss rsa_pss_saltlen:32 rsa_mgf1_md:sha1" issue inter "$INTER_SUBJ" rsa3072 ca root
issue ali "$ALI_SUBJ" p256 signer inter
cp "$K/root.pem" trust.pem
doc
CHAIN=$K/inter.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
write_args --trust trust.pem sig.p7s doc.txt
