#!/usr/bin/env bash
# A genuine ECDSA signature (signer identified by subjectKeyIdentifier, built by _tools/sdbuild.py)
# into whose certificates field (not signed: anyone can edit it) a third party put, FIRST, a
# self-signed certificate with another key and the same subjectKeyIdentifier.
# Second hostile review: taking the first certificate matching the sid reported a genuine, unaltered
# signature as TOTAL_FAILED/SIG_CRYPTO_FAILURE. The signing-certificate-v2 attribute names the
# certificate (EN 319 102-1 §5.2.3, RFC 5035): every candidate matching the sid is tried.
source "$(dirname "$0")/../_tools/lib.sh"
std_ca
issue ali "$ALI_SUBJ" p256 signer inter
doc
EVIL_SUBJ="/CN=گواهی جعلی/O=$ORG/C=IR"
SKI=$(openssl x509 -in "$K/ali.pem" -noout -ext subjectKeyIdentifier | tail -1 | tr -d ' :')
# a self-signed certificate with another key and the signer's subjectKeyIdentifier
EXT="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,nonRepudiation
subjectKeyIdentifier=$SKI" \
  issue evil "$EVIL_SUBJ" p256 root -
$SDBUILD doc.txt sig.p7s --cert "$K/ali.pem" --key "$K/ali.key" --chain "$K/inter.pem" --digest sha256 --sigalg ecdsa --sid ski --certs-first "$K/evil.pem"
write_args --trust trust.pem sig.p7s doc.txt
