#!/usr/bin/env bash
# RSA-3072 signer (documentSigning), SignerInfo signed with RSA-PSS: SHA-256 and MGF1-SHA-256.
source "$(dirname "$0")/../_tools/lib.sh"
issue root "$ROOT_SUBJ" rsa3072 root -
issue ali "$ALI_SUBJ" rsa3072 signer root
cp "$K/root.pem" trust.pem
doc
sign "$K/ali.pem" "$K/ali.key" sig.p7s -keyopt rsa_padding_mode:pss -keyopt rsa_pss_saltlen:32 -keyopt rsa_mgf1_md:sha256
write_args --trust trust.pem sig.p7s doc.txt
