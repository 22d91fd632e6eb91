#!/usr/bin/env bash
# Control for the struct-attrs-ecdsa-* cases: a detached CAdES signature built by _tools/sdbuild.py
# (ECDSA P-256 signer (OpenSSL's CMS path); content-type, signing-time, message-digest,
# signing-certificate-v2), nothing wrong.
source "$(dirname "$0")/../_tools/lib.sh"
std_ca
issue ali "$ALI_SUBJ" p256 signer inter
doc
$SDBUILD doc.txt sig.p7s --cert "$K/ali.pem" --key "$K/ali.key" --chain "$K/inter.pem" --digest sha256 --sigalg ecdsa
write_args --trust trust.pem sig.p7s doc.txt
