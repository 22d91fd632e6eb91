#!/usr/bin/env bash
# Control for the tsacomp-*-require cases. Root (EC) -> signer and TSA. Signed 2020-01-01 10:00,
# signature timestamp (openssl ts -reply under faketime) genTime 2020-01-01 10:05. The TSA's
# certificate is revoked at 2021-01-01, after the genTime; _tools/crlpatch.py sets the entry's
# reason to superseded (4), and signs the root's CRL (now .. 2049) again. Verified with --revocation
# require --crl crl.pem.
source "$(dirname "$0")/../_tools/lib.sh"
two_level_pki
doc
SIGNTIME="2020-01-01 10:00:00" sign "$K/ali.pem" "$K/ali.key" sig.p7s
tstoken sig.p7s "$K/tok.der" tsa "2020-01-01 10:05:00"
add_ts sig.p7s "$K/tok.der"
revoke root "$K/tsa.pem" keyCompromise "2021-01-01 00:00:00"
crl root "$K/crl.pem"
$CRLPATCH "$K/crl.pem" crl.pem "$K/root.key" 4
write_args --trust trust.pem --revocation require --crl crl.pem sig.p7s doc.txt
