#!/usr/bin/env bash
# root -> tsaca -> tsa. The TSA's issuing CA (not the TSA) is revoked for cACompromise on
# 2025-01-01, after the token's genTime (2024-01-01). A CA compromise makes everything issued under
# it untrustworthy, whatever the time. Revocation data by CRL.
source "$(dirname "$0")/../_tools/lib.sh"
issue root "$ROOT_SUBJ" p256 root -
issue ali "$ALI_SUBJ" p256 signer root
issue tsaca "/CN=مرکز صدور گواهی مهر زمانی آزمون/O=$ORG/C=IR" p256 ca root
issue tsa "$TSA_SUBJ" p256 tsa tsaca
cp "$K/root.pem" trust.pem
doc
SIGNTIME="2024-01-01 11:59:00" sign "$K/ali.pem" "$K/ali.key" sig.p7s
cp "$K/tsaca.pem" "$K/tsachain.pem"
TSA_CHAIN="$K/tsachain.pem" tstoken sig.p7s "$K/ts.der" tsa "2024-01-01 12:00:00"
add_ts sig.p7s "$K/ts.der"
revoke root "$K/tsaca.pem" CACompromise "2025-01-01 00:00:00"
crl root crl.pem
crl tsaca tsaca-crl.pem
write_args --trust trust.pem --crl crl.pem --crl tsaca-crl.pem sig.p7s doc.txt
