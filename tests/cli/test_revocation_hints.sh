#!/usr/bin/env bash
# A hierarchy built without revocation pointers (a root with no CRL or OCSP URL, so its
# intermediate's certificate names no CRL distribution point): LT cannot be reached, and the
# error names the certificate whose status is unknown and says how to supply it (--crl,
# --ocsp-response). Given the root's CRL, the same extension succeeds.
source "$(dirname "$0")/lib.sh"
cd "$W"
export CA_PASS=ca-passphrase
P1=$(free_ports 2); P2=$((P1 + 1))
net() { TSIGN_OFFLINE= "$@"; }
run "$TSIGN" ca init --dir root --subject "/CN=Root Without URLs/C=IR" --key-type ec-p256 --pin-source env:CA_PASS
expect_rc 0 "a root CA without CRL or OCSP URL"
run "$TSIGN" ca init --dir sub --subject "/CN=Sub Pointed/C=IR" --key-type ec-p256 --pin-source env:CA_PASS --parent root \
  --parent-pin-source env:CA_PASS --ocsp-url "http://127.0.0.1:$P1/" --crl-url "http://127.0.0.1:$P1/crl"
expect_rc 0 "an intermediate with URLs for what it issues"
issue() {  # issue NAME PROFILE
  "$TSIGN" key gen --type ec-p256 --out "$1.key" >/dev/null 2>&1
  "$TSIGN" csr --key "$1.key" --subject "/CN=$1/C=IR" --out "$1.csr"
  "$TSIGN" ca issue --dir sub --csr "$1.csr" --profile "$2" --pem --out "$1.crt" --pin-source env:CA_PASS 2>/dev/null
}
issue member signer; issue tsa tsa
PIDS=()
"$TSIGN" ocsp serve --dir sub --listen 127.0.0.1:$P1 --pin-source env:CA_PASS 2>sub.log & PIDS+=($!)
"$TSIGN" tsa serve --key tsa.key --cert tsa.crt --listen 127.0.0.1:$P2 --state tsa-state 2>tsa.log & PIDS+=($!)
trap 'kill "${PIDS[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT
for p in $P1 $P2; do for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$p/healthz" && break; sleep 0.1; done; done
echo "minutes" >doc.txt
run "$TSIGN" sign --key member.key --cert member.crt --chain sub/ca.crt.pem --tsa "http://127.0.0.1:$P2/" --out bt.p7s doc.txt
expect_rc 0 "a B-T signature"

run net "$TSIGN" extend --level lt --trust root/ca.crt.pem --untrusted sub/ca.crt.pem --out lt.p7s bt.p7s
expect_rc 5 "LT: the intermediate's revocation status cannot be had (network/service, exit 5)"
expect_absent lt.p7s "nothing written"
expect_one_line_error "LT refused"
expect_err_contains "'CN=Sub Pointed, C=IR'" "the error names the certificate whose status is unknown"
expect_err_contains "revocation status unknown" "and says what is unknown"
expect_err_contains "no CRL distribution point in the certificate" "and why: the certificate points nowhere"
grep -q '^hint: .*--crl FILE.*--ocsp-response FILE' "$W/err" && ok "the hint names --crl and --ocsp-response" ||
  fail "hint: $(cat "$W/err")"

# A PDF signed the same way (PAdES B-T): the same refusal, naming the same certificate.
cp "$TSIGN_SOURCE/examples/tender-minute.pdf" m.pdf
run "$TSIGN" sign --key member.key --cert member.crt --chain sub/ca.crt.pem --tsa "http://127.0.0.1:$P2/" m.pdf
expect_rc 0 "a PAdES B-T signature"
cp m.pdf m-before.pdf
run net "$TSIGN" extend --level lt --trust root/ca.crt.pem --untrusted sub/ca.crt.pem m.pdf
expect_rc 5 "PAdES LT: the intermediate's revocation status cannot be had (exit 5)"
check "the PDF is unchanged" cmp -s m.pdf m-before.pdf
expect_err_contains "'CN=Sub Pointed, C=IR'" "PAdES: the error names the certificate"
grep -q '^hint: .*--crl FILE.*--ocsp-response FILE' "$W/err" && ok "PAdES: the hint names --crl and --ocsp-response" ||
  fail "PAdES hint: $(cat "$W/err")"

"$TSIGN" ca crl --dir root --out root.crl --pin-source env:CA_PASS >/dev/null 2>&1
run net "$TSIGN" extend --level lt --trust root/ca.crt.pem --untrusted sub/ca.crt.pem --crl root.crl --out lt.p7s bt.p7s
expect_rc 0 "with the root's CRL given (--crl), LT is reached"
run "$TSIGN" verify --trust root/ca.crt.pem --revocation require --json lt.p7s doc.txt
expect_rc 0 "and the B-LT signature verifies offline with revocation required"
check "level B-LT" test "$(jq -r '.signers[0].level' "$W/out")" = B-LT

# verify (not extend), revocation required, no data: the finding names the certificate and the options.
run "$TSIGN" verify --trust root/ca.crt.pem --revocation require --json bt.p7s doc.txt
expect_rc 1 "B-T offline with revocation required and no data: not valid"
check "finding revocation_unknown about the signer's certificate, with the hint" jq -e \
  '[.signers[0].findings[] | select(.code == "revocation_unknown" and (.message | contains("CN=member")) and (.message | contains("--crl")) and (.message | contains("--ocsp-response")))] | length > 0' "$W/out"
finish
