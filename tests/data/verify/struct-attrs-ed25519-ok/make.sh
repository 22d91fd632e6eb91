#!/usr/bin/env bash
# Control for the struct-attrs-ed25519-* cases: a detached CAdES signature built by
# _tools/sdbuild.py (Ed25519 signer, RFC 8419; tsign verifies it with its own code, not with
# OpenSSL's CMS_SignerInfo_verify; content-type, signing-time, message-digest,
# signing-certificate-v2), nothing wrong.
source "$(dirname "$0")/../_tools/lib.sh"
std_ca
issue ali "$ALI_SUBJ" ed25519 signer inter
doc
$SDBUILD doc.txt sig.p7s --cert "$K/ali.pem" --key "$K/ali.key" --chain "$K/inter.pem" --digest sha512 --sigalg ed25519
write_args --trust trust.pem sig.p7s doc.txt
