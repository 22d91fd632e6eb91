#!/usr/bin/env bash
# ESS signing-certificate-v2 names another certificate (سارا's, same CA): its certHash replaced by the
# SHA-256 of that certificate and the signed attributes signed again by علی's key.
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
issue sara "$SARA_SUBJ" p256 signer inter
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
h_ali=$(openssl x509 -in "$K/ali.pem" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
h_sara=$(openssl x509 -in "$K/sara.pem" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
$CMS resign sig.p7s "$K/x.p7s" --key "$K/ali.key" --replace-hex "$h_ali" "$h_sara"
mv "$K/x.p7s" sig.p7s
write_args --trust trust.pem sig.p7s doc.txt
