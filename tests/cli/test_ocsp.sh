#!/usr/bin/env bash
# tsign ocsp serve on 127.0.0.1: answers `openssl ocsp` with good, revoked (time, reason) and unknown,
# echoes nonces, serves RFC 6960 GET, answers garbage with malformedRequest, refuses oversized
# requests, signs with a delegated responder, publishes the CRL at /crl and re-signs it on its own.
source "$(dirname "$0")/lib.sh"
: "${P11SHIM:?set P11SHIM to the p11shim module}"
cd "$W"
export CA_PASS=ca-passphrase
"$TSIGN" ca init --dir root --subject "/CN=Root/C=IR" --key-type ec-p256 --pin-source env:CA_PASS 2>/dev/null
"$TSIGN" ca init --dir sub --subject "/CN=میانی/C=IR" --key-type ec-p256 --pin-source env:CA_PASS --parent root --parent-pin-source env:CA_PASS 2>/dev/null
for n in good revoked hold ocsp; do
  "$TSIGN" key gen --type ec-p256 --out $n.key >/dev/null 2>&1
  "$TSIGN" csr --key $n.key --subject "/CN=$n/C=IR" --out $n.csr
  prof=signer; [ $n = ocsp ] && prof=ocsp
  "$TSIGN" ca issue --dir sub --csr $n.csr --profile $prof --pem --out $n.crt --pin-source env:CA_PASS
done
"$TSIGN" ca revoke --dir sub --serial "$(openssl x509 -in revoked.crt -noout -serial | cut -d= -f2)" --reason keyCompromise --date 2026-01-02T03:04:05Z 2>/dev/null
"$TSIGN" ca revoke --dir sub --serial "$(openssl x509 -in hold.crt -noout -serial | cut -d= -f2)" --reason certificateHold 2>/dev/null

PORT=$(free_ports 2)
start_server() {  # start_server LOG ARGS...
  local log=$1; shift
  "$TSIGN" ocsp serve --dir sub --listen 127.0.0.1:$PORT --pin-source env:CA_PASS "$@" 2>"$log" &
  SERVER=$!
  for _ in $(seq 1 50); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/crl" && return 0
    sleep 0.1
  done
  return 1
}
stop_server() { kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; }
trap 'stop_server; rm -rf "$W"' EXIT

check "server starts" start_server server.log --crl-next-update 0.002
Q=(openssl ocsp -issuer sub/ca.crt.pem -url "http://127.0.0.1:$PORT/" -CAfile root/ca.crt.pem -verify_other sub/ca.crt.pem)
"${Q[@]}" -cert good.crt >good.out 2>&1
check "good" grep -q "good.crt: good" good.out
check "response signature verified by openssl" grep -q "Response verify OK" good.out
check "nonce echoed" bash -c "! grep -qi 'nonce' good.out"
"${Q[@]}" -cert revoked.crt >rev.out 2>&1
check "revoked" grep -q "revoked.crt: revoked" rev.out
check "revocation time" grep -q "Revocation Time: Jan  2 03:04:05 2026 GMT" rev.out
check "revocation reason" grep -q "Reason: keyCompromise" rev.out
"${Q[@]}" -cert hold.crt >hold.out 2>&1
check "hold is revoked with certificateHold" grep -q "Reason: certificateHold" hold.out
"${Q[@]}" -cert good.crt -cert revoked.crt >two.out 2>&1
check "two certificates in one request" test "$(grep -cE 'good.crt: good|revoked.crt: revoked' two.out)" = 2
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other.key -subj /CN=other -days 2 -out other.crt 2>/dev/null
"${Q[@]}" -cert other.crt >other.out 2>&1
check "a certificate of another issuer is unknown" grep -q "other.crt: unknown" other.out
# a serial this CA never issued, with the right issuer
openssl req -new -key good.key -subj /CN=x -out x.csr 2>/dev/null
openssl x509 -req -in x.csr -CA sub/ca.crt.pem -CAkey sub/ca.key -passin env:CA_PASS -set_serial 123456 -days 1 -out stray.crt 2>/dev/null
"${Q[@]}" -cert stray.crt >stray.out 2>&1
check "a serial never issued is unknown" grep -q "stray.crt: unknown" stray.out

# RFC 6960 A.1 GET
openssl ocsp -issuer sub/ca.crt.pem -cert good.crt -no_nonce -reqout req.der
enc=$(base64 -w0 req.der | sed 's/+/%2B/g; s#/#%2F#g; s/=/%3D/g')
curl -s "http://127.0.0.1:$PORT/$enc" -o get.der
check "GET answers good" grep -q "Cert Status: good" <(openssl ocsp -respin get.der -resp_text -noverify 2>/dev/null)
check "GET response verifies" openssl ocsp -respin get.der -no_nonce -CAfile root/ca.crt.pem -verify_other sub/ca.crt.pem -issuer sub/ca.crt.pem -cert good.crt
# malformed and oversized requests
head -c 200 /dev/urandom | curl -s --data-binary @- "http://127.0.0.1:$PORT/" -o bad.der
check "garbage gets malformedRequest" grep -q "malformedrequest" <(openssl ocsp -respin bad.der -resp_text 2>&1)
curl -s "http://127.0.0.1:$PORT/not-base64!" -o bad2.der
check "a bad GET gets malformedRequest" grep -q "malformedrequest" <(openssl ocsp -respin bad2.der -resp_text 2>&1)
# percent-escapes: malformed ones are HTTP 400; the path is decoded exactly once (%25 is a literal %)
for bad in '%zz' 'abc%4' '%'; do
  code=$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "http://127.0.0.1:$PORT/$bad")
  check "a GET with the bad escape '$bad' is refused (HTTP $code)" test "$code" = 400
done
curl -s "http://127.0.0.1:$PORT/$(printf '%s' "$enc" | sed 's/%/%25/g')" -o twice.der
check "a GET encoded twice is not decoded twice" grep -q "malformedrequest" <(openssl ocsp -respin twice.der -resp_text 2>&1)
code=$(head -c 100000 /dev/zero | curl -s -o /dev/null -w '%{http_code}' --data-binary @- "http://127.0.0.1:$PORT/")
check "an oversized request is refused (HTTP $code)" test "$code" = 413
check "the server still answers after bad input" bash -c "${Q[*]} -cert good.crt 2>&1 | grep -q 'good.crt: good'"

# the CRL: published, verifiable, re-signed on its own before nextUpdate
curl -s "http://127.0.0.1:$PORT/crl" -o crl1.der
check "CRL verifies with openssl" openssl crl -inform DER -in crl1.der -CAfile sub/chain.pem -noout -verify
n1=$(openssl crl -inform DER -in crl1.der -noout -crlnumber)
sleep 5
curl -s "http://127.0.0.1:$PORT/crl" -o crl2.der
n2=$(openssl crl -inform DER -in crl2.der -noout -crlnumber)
check "the CRL was re-signed without any revocation ($n1 -> $n2)" test "$n1" != "$n2"
check "the re-signed CRL is not stale" test "$(date -d "$(openssl crl -inform DER -in crl2.der -noout -nextupdate | cut -d= -f2)" +%s)" -gt "$(date +%s)"
# a revocation while the server runs: OCSP at once, CRL soon
"$TSIGN" ca revoke --dir sub --serial "$(openssl x509 -in good.crt -noout -serial | cut -d= -f2)" --reason superseded 2>/dev/null
"${Q[@]}" -cert good.crt >now.out 2>&1
check "OCSP reports a new revocation at once" grep -q "good.crt: revoked" now.out
sleep 2
curl -s "http://127.0.0.1:$PORT/crl" -o crl3.der
check "the CRL lists it" grep -q "Superseded" <(openssl crl -inform DER -in crl3.der -noout -text)
stop_server

# a delegated responder (OCSPSigning certificate issued by the CA)
check "server with a delegated responder" start_server server2.log --responder-key ocsp.key --responder-cert ocsp.crt
"${Q[@]}" -cert revoked.crt >del.out 2>&1
check "delegated response verifies" grep -q "Response verify OK" del.out
check "signed by the responder" grep -q "Responder Id: CN = ocsp" <(openssl ocsp -issuer sub/ca.crt.pem -cert revoked.crt -url "http://127.0.0.1:$PORT/" -resp_text -noverify 2>/dev/null)
stop_server
# --- the CA key on a token that is pulled out and put back while the server runs ---
# (p11shim wraps SoftHSM2: while pull.flag exists the token is out; afterwards old sessions are invalid)
new_token ca 123456
export CA_PIN=123456
"$TSIGN" token keygen --token ca --label sub2 --type ec-p256 --pin-source env:CA_PIN >/dev/null
"$TSIGN" ca init --dir sub2 --subject "/CN=token CA/C=IR" --key "pkcs11:token=ca;object=sub2" --pin-source env:CA_PIN \
  --parent root --parent-pin-source env:CA_PASS 2>/dev/null
"$TSIGN" ca issue --dir sub2 --csr good.csr --pem --out t.crt --pin-source env:CA_PIN
T=(openssl ocsp -issuer sub2/ca.crt.pem -url "http://127.0.0.1:$PORT/" -CAfile root/ca.crt.pem -verify_other sub2/ca.crt.pem -cert t.crt)
TSIGN_PKCS11_MODULE="$P11SHIM" P11SHIM_TARGET="$SOFTHSM_MODULE" P11SHIM_PULL_FILE="$W/pull.flag" \
  "$TSIGN" ocsp serve --dir sub2 --listen 127.0.0.1:$PORT --pin-source env:CA_PIN 2>server3.log &
[ -n "${OCSP_LOG:-}" ] && trap 'cp server3.log "$OCSP_LOG"; stop_server; rm -rf "$W"' EXIT
SERVER=$!
for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/crl" && break; sleep 0.1; done
check "token CA: good" bash -c "${T[*]} 2>&1 | grep -q 't.crt: good'"
touch pull.flag
check "token out: the server answers tryLater, and lives" bash -c "${T[*]} 2>&1 | grep -qi 'trylater'"
rm -f pull.flag
check "token back: the session is reopened and the answer is good" bash -c "${T[*]} 2>&1 | grep -q 't.crt: good'"
check "the reopening is logged" grep -q "reopening" server3.log
stop_server

run "$TSIGN" ocsp serve --dir sub --listen 127.0.0.1:$PORT --pin-source env:CA_PASS --responder-key good.key --responder-cert good.crt
expect_rc 2 "a responder certificate without OCSPSigning is refused"
run "$TSIGN" ocsp serve --dir sub --listen 127.0.0.1:$PORT --pin-source env:WRONG_PASS_UNSET
expect_rc 4 "no CA passphrase: refused at start"
finish
