#!/usr/bin/env bash
# Signature timestamp of 2009-06-01 (SHA-256 everywhere; the TSA has its own root and a SHA-256
# OCSP response). The signer's only revocation evidence is an OCSP response of the root issued now,
# signed with ecdsa-with-SHA1; --revocation require.
source "$(dirname "$0")/../_tools/lib.sh"
issue root "$ROOT_SUBJ" p256 root -
issue ali "$ALI_SUBJ" p256 signer root
issue tsaroot "/CN=ریشه مهر زمانی آزمون/O=$ORG/C=IR" p256 root -
issue tsa "$TSA_SUBJ" p256 tsa tsaroot
cat "$K/root.pem" "$K/tsaroot.pem" >trust.pem
doc
SIGNTIME="2009-06-01 11:59:00" sign "$K/ali.pem" "$K/ali.key" sig.p7s
tstoken sig.p7s "$K/ts.der" tsa "2009-06-01 12:00:00"
add_ts sig.p7s "$K/ts.der"
ocsp root "$K/ali.pem" ali-ocsp.der sha1
ocsp tsaroot "$K/tsa.pem" tsa-ocsp.der sha256
write_args --trust trust.pem --revocation require --ocsp-response ali-ocsp.der --ocsp-response tsa-ocsp.der sig.p7s doc.txt
