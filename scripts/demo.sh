#!/usr/bin/env bash
# The main job, end to end, on a fresh Debian 12 machine (as root): install what is missing, build,
# then a tender commission signs its minutes. Three members, each with a USB token (SoftHSM2 stands
# in), generate a key on their token (it never leaves it), get a certificate from the sample CA
# (certs-sample/, TEST ONLY), and sign the Persian minutes in examples/ one after another. The result
# is verified against the commission's roster and quorum, and checked by openssl and NSS as well.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
bash scripts/install-deps.sh
bash scripts/build.sh build >/dev/null
TSIGN="$ROOT/build/cli/tsign"
S="$ROOT/certs-sample"

DEMO=${DEMO_DIR:-$ROOT/demo-work}
rm -rf "$DEMO"
mkdir -p "$DEMO/tokens"
cd "$DEMO"
export SOFTHSM2_CONF="$DEMO/softhsm2.conf"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$DEMO" >"$SOFTHSM2_CONF"
export TSIGN_PKCS11_MODULE=/usr/lib/softhsm/libsofthsm2.so
export SAMPLE_PASS=tsign-sample   # the sample CA's key passphrase (TEST ONLY)
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then B=$'\033[1m' N=$'\033[0m'; else B= N=; fi
step() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }

# the commission: token label, PIN (demo values), name
MEMBERS=("ali-rezaei|111111|علی رضایی" "sara-ahmadi|222222|سارا احمدی" "maryam-karimi|333333|مریم کریمی")
ORG="/OU=کمیسیون مناقصه/O=شهرداری نمونه (TEST ONLY)/C=IR"
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' >signer.ext

for m in "${MEMBERS[@]}"; do
  IFS='|' read -r label pin name <<<"$m"
  export MEMBER_PIN="$pin"
  step "$name: a token, a key generated on it, a certificate from the sample CA"
  softhsm2-util --init-token --free --label "$label" --so-pin 87654321 --pin "$pin" >/dev/null
  "$TSIGN" token keygen --token "$label" --label sign --type ec-p256 --pin-source env:MEMBER_PIN --json >"$label.key.json"
  "$TSIGN" csr --key "pkcs11:token=$label;object=sign" --pin-source env:MEMBER_PIN --subject "/CN=$name$ORG" --pem --out "$label.csr"
  openssl x509 -req -in "$label.csr" -CA "$S/intermediate.crt.pem" -CAkey "$S/intermediate.key.pem" -passin env:SAMPLE_PASS \
    -set_serial "0x$(openssl rand -hex 16 | sed 's/^./4/')" -days 365 -sha256 -extfile signer.ext -out "$label.crt" 2>/dev/null
  "$TSIGN" token import-cert --token "$label" --label sign --id "$(jq -r .id "$label.key.json")" --pin-source env:MEMBER_PIN "$label.crt" >/dev/null
  "$TSIGN" token keys --token "$label" --pin-source env:MEMBER_PIN
done

cp "$ROOT/examples/tender-minute.txt" minutes.txt
step "the minutes of the opening session"
cat minutes.txt

IFS='|' read -r label pin name <<<"${MEMBERS[0]}"
step "$name signs first (CAdES-B-B, detached)"
MEMBER_PIN=$pin "$TSIGN" sign --key "pkcs11:token=$label;object=sign" --pin-source env:MEMBER_PIN \
  --chain "$S/intermediate.crt.pem" minutes.txt
for m in "${MEMBERS[@]:1}"; do
  IFS='|' read -r label pin name <<<"$m"
  step "$name co-signs"
  MEMBER_PIN=$pin "$TSIGN" cosign --signature minutes.txt.p7s --content minutes.txt \
    --key "pkcs11:token=$label;object=sign" --pin-source env:MEMBER_PIN
done

step "tsign info"
"$TSIGN" info minutes.txt.p7s

step "verification against the roster (quorum 3 of 4)"
"$TSIGN" verify --trust "$S/root.crt.pem" --roster "$ROOT/examples/commission-roster.yaml" minutes.txt.p7s minutes.txt

step "the same as JSON: which time each signature was judged at, and why (no timestamp: now)"
"$TSIGN" verify --trust "$S/root.crt.pem" --roster "$ROOT/examples/commission-roster.yaml" --json minutes.txt.p7s minutes.txt |
  jq '{valid, validation_policy, signers: [.signers[] | {subject, indication, validation_time, validation_time_source}]}'

step "the validation policy in force (tsign policy show; --validation-policy FILE replaces it)"
"$TSIGN" policy show | grep -v '^ *#' | sed -n '1,40p'

step "independent checks: openssl cms -verify and NSS cmsutil"
openssl cms -verify -binary -inform DER -in minutes.txt.p7s -content minutes.txt -CAfile "$S/root.crt.pem" -out /dev/null
mkdir -p nss && certutil -N -d sql:nss --empty-password
certutil -A -n root -t "C,C,C" -i "$S/root.crt.pem" -d sql:nss
cmsutil -D -i minutes.txt.p7s -c minutes.txt -d sql:nss -n -h 3

step "done: the demo files are in $DEMO"
