#!/usr/bin/env bash
# RSA-3072 signer (documentSigning), SignerInfo signed with RSA-PSS: hash SHA-256 but MGF1 with
# SHA-1 (RFC 4055 §3.1: MGF1's hash is a hash inside the signature; the policy ends SHA-1 2009-12-31).
source "$(dirname "$0")/../_tools/lib.sh"
issue root "$ROOT_SUBJ" rsa3072 root -
issue ali "$ALI_SUBJ" rsa3072 signer root
cp "$K/root.pem" trust.pem
doc
sign "$K/ali.pem" "$K/ali.key" sig.p7s -keyopt rsa_padding_mode:pss -keyopt rsa_pss_saltlen:32 -keyopt rsa_mgf1_md:sha1
write_args --trust trust.pem sig.p7s doc.txt
