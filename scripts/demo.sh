#!/usr/bin/env bash
# The main job, end to end, on a fresh Debian 12 machine (as root): install what is missing, build,
# then a tender: two bidders seal envelopes A and B and submit them to the portal before the
# deadline, the portal closes the tender, two of three members unseal with their tokens, envelope A
# is opened, and the commission signs the opening minutes. Three members, each with a USB token (SoftHSM2 stands
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

# ---------------------------------------------------------------------------------------------
# The tender: envelopes sealed by the bidders, received by the portal before the deadline, opened
# by 2 of the 3 members with the encryption keys on their tokens; the opening minutes are then
# signed by the whole commission. A demo CA made with tsign issues the tender's certificates.
export CA_PASS=tender-demo-ca   # TEST ONLY
step "the tender's certificates: a demo CA (tsign ca), the office, the portal, a TSA, two bidders, the session"
"$TSIGN" ca init --dir tender-ca --subject "/CN=Tender demo CA (TEST ONLY)/C=IR" --key-type ec-p256 --pin-source env:CA_PASS 2>/dev/null
issue() {  # issue NAME PROFILE KEYTYPE
  "$TSIGN" key gen --type "$3" --out "$1.key" >/dev/null 2>&1
  "$TSIGN" csr --key "$1.key" --subject "/CN=$1 (TEST ONLY)/C=IR" --out "$1.csr"
  "$TSIGN" ca issue --dir tender-ca --csr "$1.csr" --profile "$2" --pem --out "$1.crt" --pin-source env:CA_PASS
}
issue office signer ec-p256; issue portal signer ec-p256; issue tender-tsa tsa ec-p256
issue bidder-1 signer ec-p256; issue bidder-2 signer rsa2048; issue session encryption ec-p256
T=(--trust tender-ca/ca.crt.pem --revocation off)
ENC=()
i=0
for m in "${MEMBERS[@]}"; do
  IFS='|' read -r label pin name <<<"$m"
  i=$((i + 1)); type=ec-p256; [ $((i % 2)) = 1 ] && type=rsa2048
  step "$name: an encryption key on the token ($type, --usage encrypt: it never signs), its certificate"
  MEMBER_PIN=$pin "$TSIGN" token keygen --token "$label" --label enc --type $type --usage encrypt --pin-source env:MEMBER_PIN
  MEMBER_PIN=$pin "$TSIGN" ca issue --dir tender-ca --profile encryption --public-key "pkcs11:token=$label;object=enc;pin-source=env:MEMBER_PIN" \
    --subject "/CN=$name$ORG" --pem --out "$label-enc.crt" --pin-source env:CA_PASS
  ENC+=(--member "$label-enc.crt")
done
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
TSA_PORT=$(port); PORTAL_PORT=$(port)
"$TSIGN" tsa serve --key tender-tsa.key --cert tender-tsa.crt --listen 127.0.0.1:$TSA_PORT --state tsa-state --log-format off 2>tsa.log &
TSA_PID=$!
trap 'kill $TSA_PID ${PORTAL_PID:-} 2>/dev/null' EXIT
DEADLINE=$(date -u -d '+20 sec' +%Y-%m-%dT%H:%M:%SZ)
step "the office writes and signs the tender: deadline $DEADLINE, 2 of 3 members open"
"$TSIGN" tender init --id T-1405-017 --title "خرید تجهیزات (TEST ONLY)" --deadline "$DEADLINE" --tsa http://127.0.0.1:$TSA_PORT/ \
  "${ENC[@]}" --threshold 2 --portal-cert portal.crt --key office.key --cert office.crt --out tender.p7s
"$TSIGN" tender show --tender tender.p7s "${T[@]}"
"$TSIGN" tender serve --tender tender.p7s "${T[@]}" --state portal-state --key portal.key --cert portal.crt \
  --listen 127.0.0.1:$PORTAL_PORT 2>portal.log &
PORTAL_PID=$!
for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$PORTAL_PORT/healthz" && break; sleep 0.1; done
for b in bidder-1 bidder-2; do
  for e in A B; do
    printf 'پیشنهاد %s — پاکت %s (TEST ONLY)\n' "$b" "$e" >"$b-$e.txt"
    step "$b seals envelope $e and submits it; the portal's receipt is checked"
    "$TSIGN" tender seal --tender tender.p7s "${T[@]}" --envelope $e --key $b.key --cert $b.crt --out $b-$e.pkg \
      --submit http://127.0.0.1:$PORTAL_PORT/submit "$b-$e.txt"
  done
done
step "waiting for the deadline ($DEADLINE)"
while [ "$(date -u +%s)" -le "$(date -u -d "$DEADLINE" +%s)" ]; do sleep 1; done
step "a bid after the deadline is refused"
printf 'late\n' >late.txt
if "$TSIGN" tender seal --tender tender.p7s "${T[@]}" --envelope A --key bidder-1.key --cert bidder-1.crt --out late.pkg \
  --submit http://127.0.0.1:$PORTAL_PORT/submit late.txt; then echo "a late bid was accepted"; exit 1; fi
kill $PORTAL_PID; wait $PORTAL_PID 2>/dev/null || true; PORTAL_PID=
step "closing: the signed, timestamped Merkle root of every receipt; bidder-2 checks its receipt is in it"
"$TSIGN" tender close --tender tender.p7s "${T[@]}" --state portal-state --key portal.key --cert portal.crt --out list.p7s
"$TSIGN" tender verify-list --tender tender.p7s "${T[@]}" --receipt bidder-2-A.pkg.receipt list.p7s
for m in "${MEMBERS[@]:0:2}"; do
  IFS='|' read -r label pin name <<<"$m"
  step "$name unseals the shares of envelope A with one token login"
  MEMBER_PIN=$pin "$TSIGN" tender unseal --tender tender.p7s "${T[@]}" --state portal-state --list list.p7s --envelope A \
    --key "pkcs11:token=$label;object=enc" --cert "$label-enc.crt" --pin-source env:MEMBER_PIN --to session.crt --out "$label-A.shares"
done
step "opening envelope A with one member: refused"
"$TSIGN" tender open --tender tender.p7s "${T[@]}" --state portal-state --list list.p7s --envelope A \
  --key session.key --cert session.crt --shares "$(echo "${MEMBERS[0]}" | cut -d'|' -f1)-A.shares" --out refused.txt || true
step "opening envelope A with two members (envelope B stays sealed)"
SHARES=(); for m in "${MEMBERS[@]:0:2}"; do SHARES+=(--shares "$(echo "$m" | cut -d'|' -f1)-A.shares"); done
"$TSIGN" tender open --tender tender.p7s "${T[@]}" --state portal-state --list list.p7s --envelope A \
  --key session.key --cert session.crt "${SHARES[@]}" --out minutes.txt
if grep -rq "پاکت B" portal-state ./*.shares minutes.txt portal.log; then echo "envelope B readable"; exit 1; fi

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

# ---------------------------------------------------------------------------------------------
# The same minutes as a PDF (examples/tender-minute.pdf, made by scripts/make-minute-pdf.sh): each
# member signs in turn (PAdES, one incremental update each; the first certifies with DocMDP P=2 and
# a visible box), and any PDF reader shows who signed.
cp "$ROOT/examples/tender-minute.pdf" minutes.pdf
IFS='|' read -r label pin name <<<"${MEMBERS[0]}"
step "$name signs the PDF minutes first: a certification (DocMDP P=2) with a visible signature box"
MEMBER_PIN=$pin "$TSIGN" sign --key "pkcs11:token=$label;object=sign" --pin-source env:MEMBER_PIN \
  --chain "$S/intermediate.crt.pem" --certify 2 --appearance 1/330,40,560,120 minutes.pdf
for m in "${MEMBERS[@]:1}"; do
  IFS='|' read -r label pin name <<<"$m"
  step "$name co-signs the PDF"
  MEMBER_PIN=$pin "$TSIGN" cosign --key "pkcs11:token=$label;object=sign" --pin-source env:MEMBER_PIN \
    --chain "$S/intermediate.crt.pem" minutes.pdf
done
step "tsign verify: every signature, what changed after each, the roster"
"$TSIGN" verify --trust "$S/root.crt.pem" --roster "$ROOT/examples/commission-roster.yaml" minutes.pdf
step "independent check: poppler's pdfsig (NSS, the sample root trusted)"
pdfsig -nssdir sql:nss minutes.pdf
test "$(pdfsig -nssdir sql:nss minutes.pdf | grep -c 'Signature is Valid')" = 3
pdftotext -f 1 -l 1 minutes.pdf - | grep -q "علی رضایی" && echo "pdftotext finds the signer's name in the visible box"

step "done: the demo files are in $DEMO"
