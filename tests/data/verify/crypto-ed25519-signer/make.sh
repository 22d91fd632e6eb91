#!/usr/bin/env bash
# An Ed25519 signer (RFC 8419: digest SHA-512, signature id-Ed25519 over the signed attributes).
# openssl cms 3.0 cannot make these, so _tools/cms.py build makes the CAdES SignedData and
# `openssl pkeyutl -rawin` signs it.
source "$(dirname "$0")/../_tools/lib.sh"
std_ca
issue ali "$ALI_SUBJ" ed25519 signer inter
doc
$CMS build doc.txt sig.p7s --cert "$K/ali.pem" --key "$K/ali.key" --chain "$K/inter.pem" --digest sha512 --sigalg ed25519
write_args --trust trust.pem sig.p7s doc.txt
