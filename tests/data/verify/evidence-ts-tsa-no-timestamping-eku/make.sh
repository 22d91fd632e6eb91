#!/usr/bin/env bash
# A well-formed timestamp token signed by a trusted certificate that is NOT a TSA certificate (a
# document signer: no timeStamping EKU). openssl ts -reply refuses such a signer, so the TSTInfo of a
# genuine token is signed again with openssl cms -sign (eContentType id-ct-TSTInfo).
source "$(dirname "$0")/../_tools/lib.sh"
two_level_pki
issue sara "$SARA_SUBJ" p256 signer root
doc
sign "$K/ali.pem" "$K/ali.key" sig.p7s
tstoken sig.p7s "$K/tok.der" tsa
tstoken_resign "$K/tok.der" "$K/tok2.der" sara
add_ts sig.p7s "$K/tok2.der"
write_args --trust trust.pem sig.p7s doc.txt
