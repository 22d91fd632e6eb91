#!/usr/bin/env bash
# The signer's certificate expired 2020-12-31. It was revoked (keyCompromise) on 2020-03-01;
# crl-2020.pem (issued 2020-06-01) lists it. crl-now.pem, issued now, after the expiry, no longer
# lists it (RFC 5280 §3.3: entries are removed after the certificate expires). The signature has a
# genuine signature timestamp of 2020-05-01. --revocation require with crl-2020.pem.
source "$(dirname "$0")/../_tools/lib.sh"
issue root "$ROOT_SUBJ" p256 root -
END=20201231235959Z issue ali "$ALI_SUBJ" p256 signer root
issue tsa "$TSA_SUBJ" p256 tsa root
cp "$K/root.pem" trust.pem
doc
crl root crl-now.pem   # today's CRL without the expired entry: made before the revocation is recorded
revoke root "$K/ali.pem" keyCompromise "2020-03-01 00:00:00"
ft "2020-06-01 00:00:00" openssl ca -batch -config "$K/ca-root/ca.cnf" -cert "$K/root.pem" -keyfile "$K/root.key" -gencrl \
  -crl_nextupdate "$VALID_TO" -out crl-2020.pem 2>/dev/null
SIGNTIME="2020-05-01 11:59:00" sign "$K/ali.pem" "$K/ali.key" sig.p7s
tstoken sig.p7s "$K/ts.der" tsa "2020-05-01 12:00:00"
add_ts sig.p7s "$K/ts.der"
write_args --trust trust.pem --revocation require --crl crl-2020.pem sig.p7s doc.txt
