#!/usr/bin/env bash
# The main job, end to end, on a fresh Debian 12 machine (as root): install what is missing,
# build, create a SoftHSM2 token for a commission member, generate a key on it (it never leaves
# the token), make a certificate request with a Persian name, show it, have it issued by the
# sample intermediate CA and store the certificate on the token next to the key.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
bash scripts/install-deps.sh
bash scripts/build.sh build >/dev/null
TSIGN="$ROOT/build/cli/tsign"

DEMO=${DEMO_DIR:-$ROOT/demo-work}
rm -rf "$DEMO"
mkdir -p "$DEMO/tokens"
cd "$DEMO"
export SOFTHSM2_CONF="$DEMO/softhsm2.conf"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$DEMO" >"$SOFTHSM2_CONF"
export TSIGN_PKCS11_MODULE=/usr/lib/softhsm/libsofthsm2.so
export MEMBER_PIN=123456 SAMPLE_PASS=tsign-sample   # demo values only

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then B=$'\033[1m' N=$'\033[0m'; else B= N=; fi
step() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
step "a USB token for commission member Ali Rezaei (SoftHSM2 stand-in)"
softhsm2-util --init-token --free --label ali-rezaei --so-pin 87654321 --pin "$MEMBER_PIN" >/dev/null
"$TSIGN" token list

step "a P-256 signing key generated on the token"
"$TSIGN" token keygen --token ali-rezaei --label sign --type ec-p256 --pin-source env:MEMBER_PIN --json >keygen.json
cat keygen.json
KEY_ID=$(jq -r .id keygen.json)

step "a certificate request signed on the token, with a Persian subject"
"$TSIGN" csr --key "pkcs11:token=ali-rezaei;object=sign" --pin-source env:MEMBER_PIN \
  --subject "/CN=علی رضایی/OU=کمیسیون مناقصه/O=شهرداری نمونه (TEST ONLY)/C=IR" --out ali.csr
"$TSIGN" info ali.csr
openssl req -in ali.csr -inform DER -verify -noout

step "issued by the sample intermediate CA (openssl stands in until 'tsign ca' exists)"
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' >signer.ext
openssl x509 -req -in ali.csr -inform DER -CA "$ROOT/certs-sample/intermediate.crt.pem" \
  -CAkey "$ROOT/certs-sample/intermediate.key.pem" -passin env:SAMPLE_PASS -set_serial "0x$(openssl rand -hex 16 | sed 's/^./4/')" \
  -days 365 -sha256 -extfile signer.ext -out ali.crt.pem 2>/dev/null
openssl verify -CAfile "$ROOT/certs-sample/root.crt.pem" -untrusted "$ROOT/certs-sample/intermediate.crt.pem" ali.crt.pem

step "the certificate stored on the token next to its key"
"$TSIGN" token import-cert --token ali-rezaei --label sign --id "$KEY_ID" --pin-source env:MEMBER_PIN ali.crt.pem
"$TSIGN" token keys --token ali-rezaei --pin-source env:MEMBER_PIN
"$TSIGN" info ali.crt.pem

step "done: the demo files are in $DEMO"
