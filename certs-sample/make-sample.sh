#!/usr/bin/env bash
# Makes the tsign sample hierarchy.  TEST ONLY: these keys are published; never trust them.
#
#   root CA (RSA 3072, 20 years)
#   └── intermediate CA (EC P-384, path length 0, 10 years)
#       ├── signers: علی رضایی, سارا احمدی, مریم کریمی (document signing: digitalSignature + nonRepudiation)
#       ├── TSA (critical timeStamping EKU)
#       └── OCSP responder (OCSPSigning EKU, id-pkix-ocsp-nocheck)
#
# Usage: make-sample.sh [OUT_DIR]   (default: the folder of this script)
# Private keys are encrypted PKCS#8 (AES-256-CBC) with the passphrase in $SAMPLE_PASS
# (default "tsign-sample"), mode 0600.  Certificates are PEM.
set -euo pipefail
OUT=${1:-$(cd "$(dirname "$0")" && pwd)}
PASS=${SAMPLE_PASS:-tsign-sample}
mkdir -p "$OUT"
cd "$OUT"
umask 022
export SAMPLE_PASS_ENV="$PASS"
ORG="/O=شهرداری نمونه (TEST ONLY)/C=IR"

key() {  # key FILE ALG
  case $2 in
    rsa*) openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${2#rsa}" -aes-256-cbc -pass env:SAMPLE_PASS_ENV -out "$1" 2>/dev/null ;;
    p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes-256-cbc -pass env:SAMPLE_PASS_ENV -out "$1" ;;
    p384) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -aes-256-cbc -pass env:SAMPLE_PASS_ENV -out "$1" ;;
  esac
  chmod 600 "$1"
}

ext() {  # ext NAME: the extension section for openssl x509 -extfile
  case $1 in
    root) printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n' ;;
    intermediate) printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\ncrlDistributionPoints=URI:http://127.0.0.1:8080/root.crl\n' ;;
    signer) printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\ncrlDistributionPoints=URI:http://127.0.0.1:8080/intermediate.crl\nauthorityInfoAccess=OCSP;URI:http://127.0.0.1:8081/\n' ;;
    tsa) printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' ;;
    ocsp) printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=OCSPSigning\nnoCheck=ignored\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' ;;
  esac
}

serial() { openssl rand -hex 16 | sed 's/^./4/'; }  # 128 random bits, positive

issue() {  # issue NAME ALG SUBJECT PROFILE DAYS ISSUER
  local name=$1 alg=$2 subj=$3 profile=$4 days=$5 issuer=$6
  key "$name.key.pem" "$alg"
  openssl req -new -utf8 -key "$name.key.pem" -passin env:SAMPLE_PASS_ENV -subj "$subj" -out "$name.csr.pem"
  ext "$profile" >"$name.ext"
  openssl x509 -req -in "$name.csr.pem" -CA "$issuer.crt.pem" -CAkey "$issuer.key.pem" -passin env:SAMPLE_PASS_ENV \
    -set_serial "0x$(serial)" -days "$days" -sha256 -extfile "$name.ext" -out "$name.crt.pem" 2>/dev/null
  rm -f "$name.csr.pem" "$name.ext"
}

key root.key.pem rsa3072
ext root >root.ext
openssl req -new -x509 -utf8 -key root.key.pem -passin env:SAMPLE_PASS_ENV -subj "/CN=مرکز صدور گواهی ریشه نمونه$ORG" \
  -set_serial "0x$(serial)" -days 7300 -sha256 -extensions v3 -config <(printf '[req]\ndistinguished_name=dn\n[dn]\n[v3]\n'; ext root) \
  -out root.crt.pem
rm -f root.ext
issue intermediate p384 "/CN=مرکز صدور گواهی میانی نمونه$ORG" intermediate 3650 root
issue signer-ali-rezaei p256 "/CN=علی رضایی/OU=کمیسیون مناقصه$ORG" signer 1095 intermediate
issue signer-sara-ahmadi rsa2048 "/CN=سارا احمدی/OU=کمیسیون مناقصه$ORG" signer 1095 intermediate
issue signer-maryam-karimi p256 "/CN=مریم کریمی/OU=امور مالی$ORG" signer 1095 intermediate
issue tsa p256 "/CN=سرویس مهر زمانی نمونه$ORG" tsa 1825 intermediate
issue ocsp p256 "/CN=پاسخگوی OCSP نمونه$ORG" ocsp 1825 intermediate
cat intermediate.crt.pem root.crt.pem >chain.pem
echo "sample hierarchy written to $OUT (TEST ONLY; key passphrase: $PASS)"
