#!/usr/bin/env bash
# A genuine ECDSA signature (signer identified by issuerAndSerialNumber, built by _tools/sdbuild.py)
# into whose certificates field (not signed: anyone can edit it) a third party put, FIRST, a
# certificate with another key and the same issuer name and serial number (issued by a self-made CA
# named like the intermediate).
# Second hostile review: taking the first certificate matching the sid reported a genuine, unaltered
# signature as TOTAL_FAILED/SIG_CRYPTO_FAILURE. The signing-certificate-v2 attribute names the
# certificate (EN 319 102-1 §5.2.3, RFC 5035): every candidate matching the sid is tried.
source "$(dirname "$0")/../_tools/lib.sh"
std_ca
issue ali "$ALI_SUBJ" p256 signer inter
doc
EVIL_SUBJ="/CN=گواهی جعلی/O=$ORG/C=IR"
SERIAL=$(openssl x509 -in "$K/ali.pem" -noout -serial | cut -d= -f2)
# a self-made CA with the intermediate's name, and under it a certificate with another key and the
# signer's serial number: the same issuer and serial number as the signer's certificate
issue fakeinter "$INTER_SUBJ" p256 root -
echo "$SERIAL" >"$K/ca-fakeinter/serial"
issue evil "$EVIL_SUBJ" p256 signer fakeinter
[ "$(openssl x509 -in "$K/evil.pem" -noout -serial)" = "$(openssl x509 -in "$K/ali.pem" -noout -serial)" ]
$SDBUILD doc.txt sig.p7s --cert "$K/ali.pem" --key "$K/ali.key" --chain "$K/inter.pem" --digest sha256 --sigalg ecdsa --sid ias --certs-first "$K/evil.pem"
write_args --trust trust.pem sig.p7s doc.txt
