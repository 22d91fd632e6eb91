#!/usr/bin/env bash
# The main job, end to end, on a fresh Debian 12 machine (as root): install what is missing, build,
# then the city's PKI exactly as docs/runbook.md sets it up (its blocks run here, in this shell):
# a root CA, an intermediate CA on a token, OCSP responders publishing CRLs, a TSA, three
# commission members with a key generated on their USB token (SoftHSM2 stands in), a lost token
# revoked and renewed. Then a tender: two bidders seal envelopes A and B and submit them to the
# portal before the deadline, the portal closes the tender, two of three members unseal with their
# tokens, envelope A is opened, and the commission signs the opening minutes in turn (text and
# PDF). The minutes are raised to B-LTA and verified with no network and revocation required,
# against the commission's roster and quorum, and checked by openssl, NSS and poppler as well.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
bash scripts/install-deps.sh
bash scripts/build.sh build >/dev/null
TSIGN="$ROOT/build/cli/tsign"
export PATH="$ROOT/build/cli:$PATH"

DEMO=${DEMO_DIR:-$ROOT/demo-work}
rm -rf "$DEMO"
mkdir -p "$DEMO/tokens"
cd "$DEMO"
export SOFTHSM2_CONF="$DEMO/softhsm2.conf"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$DEMO" >"$SOFTHSM2_CONF"
export TSIGN_PKCS11_MODULE=/usr/lib/softhsm/libsofthsm2.so
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then B=$'\033[1m' N=$'\033[0m'; else B= N=; fi
step() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
trap 'jobs -p | xargs -r kill 2>/dev/null' EXIT

# ---------------------------------------------------------------------------------------------
# docs/runbook.md, every block in order, in this shell: its services keep running for the rest.
ROOT_PORT=$(port) SUB_PORT=$(port) TSA_PORT=$(port)
__runbook_block() { step "docs/runbook.md, block $1 (line $2)"; }
eval "$(bash "$ROOT/scripts/runbook.sh" --list "$ROOT/docs/runbook.md")"
TSA_URL="http://127.0.0.1:$TSA_PORT/"
PKI_ROOT="$DEMO/root-ca/ca.crt.pem"

# the commission: token label, PIN (demo values), name; Sara has her renewed token
MEMBERS=("ali-rezaei|111111|علی رضایی" "sara-ahmadi-2|444444|سارا احمدی" "maryam-karimi|333333|مریم کریمی")
ORG="/OU=کمیسیون مناقصه/O=شهرداری نمونه (TEST ONLY)/C=IR"

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
TENDER_TSA_PORT=$(port); PORTAL_PORT=$(port)
"$TSIGN" tsa serve --key tender-tsa.key --cert tender-tsa.crt --listen 127.0.0.1:$TENDER_TSA_PORT --state tender-tsa-state --log-format off 2>tender-tsa.log &
DEADLINE=$(date -u -d '+20 sec' +%Y-%m-%dT%H:%M:%SZ)
step "the office writes and signs the tender: deadline $DEADLINE, 2 of 3 members open"
"$TSIGN" tender init --id T-1405-017 --title "خرید تجهیزات (TEST ONLY)" --deadline "$DEADLINE" --tsa http://127.0.0.1:$TENDER_TSA_PORT/ \
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

# The commission signs the minutes in turn with the tokens and certificates of the runbook (the
# intermediate's certificate is on each token, so the signatures carry it), the TSA proves the
# time of each signature, and extend raises them to B-LTA with the responders' answers inside.
ROSTER="$ROOT/examples/commission-roster.yaml"
IFS='|' read -r label pin name <<<"${MEMBERS[0]}"
step "$name signs first (CAdES-B-T, detached)"
MEMBER_PIN=$pin "$TSIGN" sign --key "pkcs11:token=$label;object=sign" --pin-source env:MEMBER_PIN --tsa "$TSA_URL" minutes.txt
for m in "${MEMBERS[@]:1}"; do
  IFS='|' read -r label pin name <<<"$m"
  step "$name co-signs"
  MEMBER_PIN=$pin "$TSIGN" cosign --signature minutes.txt.p7s --content minutes.txt \
    --key "pkcs11:token=$label;object=sign" --pin-source env:MEMBER_PIN --tsa "$TSA_URL"
done
step "B-LTA: the certificates and OCSP answers for every signer and timestamp, then an archive timestamp"
"$TSIGN" extend --level lta --trust "$PKI_ROOT" --tsa "$TSA_URL" --content minutes.txt minutes.txt.p7s

step "tsign info"
"$TSIGN" info minutes.txt.p7s

step "the validation policy in force (tsign policy show; --validation-policy FILE replaces it)"
"$TSIGN" policy show | grep -v '^ *#' | sed -n '1,40p'

step "independent checks: openssl cms -verify and NSS cmsutil (only the root trusted)"
openssl cms -verify -binary -inform DER -in minutes.txt.p7s -content minutes.txt -CAfile "$PKI_ROOT" -purpose any -out /dev/null
mkdir -p nss && certutil -N -d sql:nss --empty-password
certutil -A -n root -t "C,C,C" -i "$PKI_ROOT" -d sql:nss
cmsutil -D -i minutes.txt.p7s -c minutes.txt -d sql:nss -n -h 3

# ---------------------------------------------------------------------------------------------
# The same minutes as a PDF (examples/tender-minute.pdf, made by scripts/make-minute-pdf.sh): each
# member signs in turn (PAdES, one incremental update each; the first certifies with DocMDP P=2 and
# a visible box), and any PDF reader shows who signed. Then B-LTA: the DSS and a document timestamp.
cp "$ROOT/examples/tender-minute.pdf" minutes.pdf
IFS='|' read -r label pin name <<<"${MEMBERS[0]}"
step "$name signs the PDF minutes first: a certification (DocMDP P=2) with a visible signature box"
MEMBER_PIN=$pin "$TSIGN" sign --key "pkcs11:token=$label;object=sign" --pin-source env:MEMBER_PIN --tsa "$TSA_URL" \
  --certify 2 --appearance 1/330,40,560,120 minutes.pdf
for m in "${MEMBERS[@]:1}"; do
  IFS='|' read -r label pin name <<<"$m"
  step "$name co-signs the PDF"
  MEMBER_PIN=$pin "$TSIGN" cosign --key "pkcs11:token=$label;object=sign" --pin-source env:MEMBER_PIN --tsa "$TSA_URL" minutes.pdf
done
step "PAdES B-LTA: the DSS (certificates, OCSP answers, CRLs) and a document timestamp"
"$TSIGN" extend --level lta --trust "$PKI_ROOT" --tsa "$TSA_URL" minutes.pdf
step "independent check: poppler's pdfsig (NSS, the runbook's root trusted)"
pdfsig -nssdir sql:nss minutes.pdf
test "$(pdfsig -nssdir sql:nss minutes.pdf | grep -c 'Signature is Valid')" -ge 3
pdftotext -f 1 -l 1 minutes.pdf - | grep -q "علی رضایی" && echo "pdftotext finds the signer's name in the visible box"

# The end of the day: the services stop, and an auditor with nothing but the root verifies both.
jobs -p | xargs -r kill 2>/dev/null; wait 2>/dev/null || true
export TSIGN_OFFLINE=1
step "an auditor, no network, revocation required: the B-LTA minutes against the roster (quorum 3 of 4)"
"$TSIGN" verify --trust "$PKI_ROOT" --offline --revocation require --roster "$ROSTER" minutes.txt.p7s minutes.txt
"$TSIGN" verify --trust "$PKI_ROOT" --offline --revocation require --roster "$ROSTER" --json minutes.txt.p7s minutes.txt |
  jq '{valid, signers: [.signers[] | {subject, level, revocation, indication, validation_time_source}]}'
step "the same for the PDF minutes"
"$TSIGN" verify --trust "$PKI_ROOT" --offline --revocation require --roster "$ROSTER" minutes.pdf

step "done: the demo files are in $DEMO"
