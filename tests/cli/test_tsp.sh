#!/usr/bin/env bash
# RFC 3161: tsign tsa serve answers `openssl ts -query` and its replies pass `openssl ts -verify`;
# the tsign client against that TSA (and a fake TSA that answers the wrong request, and one that is
# down); CAdES-B-T signatures whose embedded token passes `openssl ts -verify`; extend --level t.
source "$(dirname "$0")/lib.sh"
: "${P11SHIM:?set P11SHIM to the p11shim module}"
cd "$W"
export P=tsa-test-pass
"$TSIGN" ca init --dir root --subject "/CN=Root/C=IR" --key-type ec-p256 --pin-source env:P 2>/dev/null
"$TSIGN" ca init --dir sub --subject "/CN=Sub/C=IR" --key-type ec-p256 --pin-source env:P --parent root --parent-pin-source env:P 2>/dev/null
for n in tsa ali sara; do
  "$TSIGN" key gen --type ec-p256 --out $n.key >/dev/null 2>&1
  "$TSIGN" csr --key $n.key --subject "/CN=$n/C=IR" --out $n.csr
  prof=signer; [ $n = tsa ] && prof=tsa
  "$TSIGN" ca issue --dir sub --csr $n.csr --profile $prof --pem --out $n.crt --pin-source env:P
done
cat sub/ca.crt.pem >chain.pem
printf 'صورتجلسه مناقصه\n' >doc.txt
PORT=$(free_ports 2); FAKE=$((PORT + 1))
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$W"' EXIT
wait_port() { for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.1; done; return 1; }

run "$TSIGN" tsa serve --key ali.key --cert ali.crt --listen 127.0.0.1:$PORT --state st
expect_rc 2 "a certificate without the critical timeStamping EKU is refused"
"$TSIGN" tsa serve --key tsa.key --cert tsa.crt --listen 127.0.0.1:$PORT --state st 2>tsa.log & PIDS+=($!)
check "TSA starts" wait_port $PORT
URL=http://127.0.0.1:$PORT/

# openssl's client against tsign's TSA
openssl ts -query -data doc.txt -sha256 -cert -out q.tsq 2>/dev/null
curl -s --data-binary @q.tsq -H 'Content-Type: application/timestamp-query' "$URL" -o r.tsr
check "openssl ts -verify accepts the reply" openssl ts -verify -in r.tsr -queryfile q.tsq -CAfile root/ca.crt.pem -untrusted chain.pem
check "ESSCertIDv2 in the token" grep -q "id-smime-aa-signingCertificateV2" <(openssl ts -reply -in r.tsr -token_out -out tok.der 2>/dev/null; openssl cms -cmsout -print -inform DER -in tok.der)
check "accuracy and policy in the token" grep -q "Accuracy: 0x01 seconds" <(openssl ts -reply -in r.tsr -text 2>/dev/null)
openssl ts -query -data doc.txt -sha1 -out q1.tsq 2>/dev/null
curl -s --data-binary @q1.tsq "$URL" -o r1.tsr
check "SHA-1 imprints are rejected (badAlg)" grep -qi "unrecognized or unsupported algorithm\|rejection" <(openssl ts -reply -in r1.tsr -text 2>/dev/null)
head -c 50 /dev/urandom | curl -s --data-binary @- "$URL" -o bad.tsr
check "garbage gets a rejection" grep -qi "rejection\|bad request\|badDataFormat" <(openssl ts -reply -in bad.tsr -text 2>/dev/null)
code=$(head -c 100000 /dev/zero | curl -s -o /dev/null -w '%{http_code}' --data-binary @- "$URL")
check "oversized request refused (HTTP $code)" test "$code" = 413

# tsign's client
run "$TSIGN" timestamp --tsa "$URL" doc.txt
expect_rc 0 "tsign timestamp"
check "openssl ts -verify accepts tsign's timestamp" openssl ts -verify -in doc.txt.tsr -data doc.txt -CAfile root/ca.crt.pem -untrusted chain.pem
run "$TSIGN" timestamp verify --trust root/ca.crt.pem --untrusted chain.pem --json doc.txt.tsr doc.txt
expect_rc 0 "tsign timestamp verify"
check "TSA name in the report" test "$(jq -r .tsa out)" = "CN=tsa, C=IR"
printf 'other\n' >other.txt
run "$TSIGN" timestamp verify --trust root/ca.crt.pem --untrusted chain.pem other.txt.tsr other.txt
expect_rc 3 "a missing token file"
run "$TSIGN" timestamp verify --trust root/ca.crt.pem --untrusted chain.pem --json doc.txt.tsr other.txt
expect_rc 1 "a timestamp over other data"
check "imprint mismatch named" grep -q "imprint" out
run "$TSIGN" timestamp --tsa http://127.0.0.1:1/ --out down.tsr doc.txt
expect_rc 5 "TSA down"; expect_one_line_error "TSA down"; expect_absent down.tsr "nothing written when the TSA is down"
run "$TSIGN" timestamp --tsa http://127.0.0.1:1/ --tsa "$URL" --out second.tsr doc.txt
expect_rc 0 "the second TSA is tried"
run "$TSIGN" timestamp --tsa "$URL" --policy 1.2.3.4.5 --out pol.tsr doc.txt
expect_rc 5 "a TSA rejection (unaccepted policy)"; expect_err_contains "refused" "rejection wording"; expect_absent pol.tsr "nothing written"
# a fake TSA that answers every query with a reply to another request (wrong nonce and imprint)
cat >fake.py <<'PY'
import http.server, sys
reply = open(sys.argv[2], 'rb').read()
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get('Content-Length', 0)))
        self.send_response(200); self.send_header('Content-Type', 'application/timestamp-reply')
        self.send_header('Content-Length', str(len(reply))); self.end_headers(); self.wfile.write(reply)
    def do_GET(self):
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
PY
python3 fake.py $FAKE r.tsr & PIDS+=($!)
check "fake TSA starts" wait_port $FAKE
run "$TSIGN" timestamp --tsa "http://127.0.0.1:$FAKE/" --out fake.tsr doc.txt
expect_rc 5 "a reply to another request (wrong nonce / imprint)"; expect_absent fake.tsr "nothing written"

# CAdES-B-T
run "$TSIGN" sign --key ali.key --cert ali.crt --chain chain.pem --tsa "$URL" doc.txt
expect_rc 0 "sign with --tsa"
check "openssl cms -verify accepts the B-T signature" openssl cms -verify -binary -inform DER -in doc.txt.p7s -content doc.txt -CAfile root/ca.crt.pem -out /dev/null
# the embedded token, checked by openssl ts -verify against the digest of the signature value
openssl asn1parse -inform DER -in doc.txt.p7s >p.txt
tsline=$(grep -n "id-smime-aa-timeStampToken" p.txt | head -1 | cut -d: -f1)
sigline=$(head -n "$tsline" p.txt | grep -n "prim: OCTET STRING" | tail -1 | cut -d: -f1)
sig_off=$(sed -n "${sigline}p" p.txt | cut -d: -f1 | tr -d ' '); sig_hl=$(sed -n "${sigline}p" p.txt | sed 's/.*hl= *\([0-9]*\).*/\1/'); sig_l=$(sed -n "${sigline}p" p.txt | sed 's/.*l= *\([0-9]*\) prim.*/\1/')
tok=$(sed -n "$((tsline + 2))p" p.txt)
tok_off=$(echo "$tok" | cut -d: -f1 | tr -d ' '); tok_len=$(echo "$tok" | sed 's/.*hl= *\([0-9]*\) *l= *\([0-9]*\).*/\1 \2/' | awk '{print $1+$2}')
dd if=doc.txt.p7s of=token.der bs=1 skip="$tok_off" count="$tok_len" 2>/dev/null
dd if=doc.txt.p7s of=sigval.bin bs=1 skip=$((sig_off + sig_hl)) count="$sig_l" 2>/dev/null
check "openssl ts -verify accepts the embedded token" openssl ts -verify -token_in -in token.der -digest "$(sha256sum sigval.bin | cut -d' ' -f1)" -CAfile root/ca.crt.pem -untrusted chain.pem
run "$TSIGN" verify --trust root/ca.crt.pem --json doc.txt.p7s doc.txt
expect_rc 0 "tsign verify: B-T"
check "timestamp_time reported" test "$(jq -r '.signers[0].timestamp_time' out)" != null
run "$TSIGN" cosign --signature doc.txt.p7s --content doc.txt --key sara.key --cert sara.crt --out two.p7s
expect_rc 0 "a co-signer without a timestamp"
cp two.p7s two-before.p7s
run "$TSIGN" extend --level t --tsa "$URL" two.p7s
expect_rc 0 "extend --level t"
run "$TSIGN" verify --trust root/ca.crt.pem --json two.p7s doc.txt
check "both signers timestamped" test "$(jq '[.signers[] | select(.timestamp_time != null)] | length' out)" = 2
check "openssl cms -verify after extend" openssl cms -verify -binary -inform DER -in two.p7s -content doc.txt -CAfile root/ca.crt.pem -out /dev/null
run "$TSIGN" extend --level t --tsa "$URL" two.p7s
expect_rc 2 "nothing left to extend"
run "$TSIGN" sign --key ali.key --cert ali.crt --tsa http://127.0.0.1:1/ --out nots.p7s doc.txt
expect_rc 5 "sign --tsa with the TSA down"; expect_absent nots.p7s "no signature without its timestamp"
# revocation after the proven time: a B-T signature stays valid; a B-B one does not
run "$TSIGN" sign --key sara.key --cert sara.crt --chain chain.pem --out bb.p7s doc.txt
expect_rc 0 "a B-B signature by sara"
sleep 3  # the TSA claims 1 s accuracy: the revocation must come after genTime + 1 s
"$TSIGN" ca revoke --dir sub --serial "$(openssl x509 -in ali.crt -noout -serial | cut -d= -f2)" --reason superseded 2>/dev/null
"$TSIGN" ca revoke --dir sub --serial "$(openssl x509 -in sara.crt -noout -serial | cut -d= -f2)" --reason superseded 2>/dev/null
"$TSIGN" ca crl --dir sub --out sub.crl --pin-source env:P
"$TSIGN" ca crl --dir root --out root.crl --pin-source env:P
run "$TSIGN" verify --trust root/ca.crt.pem --crl sub.crl --crl root.crl --json doc.txt.p7s doc.txt
expect_rc 0 "B-T: revoked after the timestamp, still valid"
check "the later revocation is noted" grep -q "after the proven time" out
check "B-T revoked later (CRL): revocation revoked_after_proof" test "$(jq -r '.signers[0].revocation' out)" = revoked_after_proof
check "with the reason from the CRL" test "$(jq -r '.signers[0].revocation_reason' out)" = superseded
check "and the revocation date, after the timestamp" jq -e '.signers[0].revocation_time > .signers[0].timestamp_time' out
run "$TSIGN" verify --trust root/ca.crt.pem --crl sub.crl --crl root.crl --calendar gregorian doc.txt.p7s doc.txt
check "human report: revoked_after_proof with date and reason" grep -q "revocation: revoked_after_proof (revoked .*, superseded, after the proven time" out
run "$TSIGN" verify --trust root/ca.crt.pem --crl sub.crl --crl root.crl --json bb.p7s doc.txt
expect_rc 1 "B-B: revoked, and the signing time is only claimed: not valid"
check "REVOKED" test "$(jq -r '.signers[0].revocation' out)" = revoked

run "$TSIGN" tsa list --state st --json
check "the archive lists the issued timestamps" test "$(jq '.timestamps | length' out)" -ge 5
serials=$(jq -r '.timestamps[].serial' out | sort | uniq -d | wc -l)
check "serials unique" test "$serials" = 0
# the TSA key on a token that is pulled out and put back (p11shim) while the server runs
new_token tsa 123456
export TSA_PIN=123456
"$TSIGN" token keygen --token tsa --label tsa --type ec-p256 --pin-source env:TSA_PIN >/dev/null
"$TSIGN" csr --key "pkcs11:token=tsa;object=tsa" --pin-source env:TSA_PIN --subject "/CN=token TSA/C=IR" --out ttsa.csr
"$TSIGN" ca issue --dir sub --csr ttsa.csr --profile tsa --pem --out ttsa.crt --pin-source env:P
TPORT=$((PORT + 2)); TURL=http://127.0.0.1:$TPORT/
TSIGN_PKCS11_MODULE="$P11SHIM" P11SHIM_TARGET="$SOFTHSM_MODULE" P11SHIM_PULL_FILE="$W/pull.flag" \
  "$TSIGN" tsa serve --key "pkcs11:token=tsa;object=tsa" --pin-source env:TSA_PIN --cert ttsa.crt --listen 127.0.0.1:$TPORT --state st2 2>ttsa.log & PIDS+=($!)
wait_port $TPORT
run "$TSIGN" timestamp --tsa "$TURL" --out tok1.tsr doc.txt
expect_rc 0 "token TSA: a timestamp"
touch pull.flag
run "$TSIGN" timestamp --tsa "$TURL" --out tok2.tsr doc.txt
expect_rc 5 "token out: no timestamp (exit 5)"; expect_absent tok2.tsr "nothing written"
rm -f pull.flag
run "$TSIGN" timestamp --tsa "$TURL" --out tok3.tsr doc.txt
expect_rc 0 "token back: timestamps again without a restart"
check "openssl ts -verify accepts it" openssl ts -verify -in tok3.tsr -data doc.txt -CAfile root/ca.crt.pem -untrusted chain.pem
check "the reopening is logged" grep -q "reopening" ttsa.log
kill "${PIDS[-1]}"; wait "${PIDS[-1]}"; check "the token TSA stops cleanly on SIGTERM (exit $?)" test $? -eq 0

# serials persist across a restart
last=$(jq -r '.timestamps[-1].serial' out)
kill "${PIDS[0]}"; wait "${PIDS[0]}" 2>/dev/null
"$TSIGN" tsa serve --key tsa.key --cert tsa.crt --listen 127.0.0.1:$PORT --state st 2>tsa2.log & PIDS+=($!)
wait_port $PORT
"$TSIGN" timestamp --tsa "$URL" --out after.tsr doc.txt
after=$(openssl ts -reply -in after.tsr -text 2>/dev/null | sed -n 's/^Serial number: //p')
check "the serial after a restart is new ($last -> $after)" test "$((after))" -gt "$((last))"

# A second, independent TSA: `openssl ts -reply` behind a small HTTP wrapper (tests/tools/openssl_tsa.py)
OPORT=$((PORT + 7))
python3 "$TSIGN_SOURCE/tests/tools/openssl_tsa.py" $OPORT tsa.crt tsa.key chain.pem ossl-tsa 2>ossl-tsa.log & PIDS+=($!)
wait_port $OPORT
run "$TSIGN" timestamp --tsa "http://127.0.0.1:$OPORT/" --out ossl.tsr doc.txt
expect_rc 0 "tsign's client against the openssl ts -reply TSA"
check "openssl ts -verify agrees" openssl ts -verify -in ossl.tsr -data doc.txt -CAfile root/ca.crt.pem -untrusted chain.pem
run "$TSIGN" timestamp verify --json --trust root/ca.crt.pem ossl.tsr doc.txt
expect_rc 0 "tsign verifies the openssl TSA's reply"
check "policy of the openssl TSA" test "$(jq -r .policy "$W/out")" = 1.3.6.1.4.1.57264.99.1
run "$TSIGN" sign --key ali.key --cert ali.crt --chain chain.pem --tsa "http://127.0.0.1:$OPORT/" --out ossl.p7s doc.txt
expect_rc 0 "sign B-T with the openssl TSA"
run "$TSIGN" verify --json --trust root/ca.crt.pem ossl.p7s doc.txt
expect_rc 0 "the B-T signature with the openssl TSA's token verifies"
check "timestamp time reported" jq -e '.signers[0].timestamp_time != null' "$W/out"
# the first TSA down: the second one in the list answers
run "$TSIGN" timestamp --tsa "http://127.0.0.1:$((PORT + 9))/" --tsa "http://127.0.0.1:$OPORT/" --timeout 2 --out fallback.tsr doc.txt
expect_rc 0 "several --tsa: the first unreachable, the openssl TSA answers"
# a TSA that answers too slowly: past --timeout, exit 5 and no output
SPORT=$((PORT + 11))
python3 -c '
import http.server, sys, time
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        time.sleep(5)
        self.send_response(500); self.end_headers()
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
' $SPORT & PIDS+=($!)
for _ in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/$SPORT) 2>/dev/null && break; sleep 0.1; done
start=$(date +%s)
run "$TSIGN" timestamp --tsa "http://127.0.0.1:$SPORT/" --timeout 1 --out slow.tsr doc.txt
expect_rc 5 "a TSA slower than --timeout: exit 5"
check "it gave up after about the timeout" test $(( $(date +%s) - start )) -le 3
expect_absent slow.tsr "no output from a slow TSA"
expect_one_line_error "one-line error for the slow TSA"
# idle connections (clients that connect and say nothing) do not stop the TSA serving others
idle=()
for _ in 1 2 3 4 5 6; do exec {fd}<>/dev/tcp/127.0.0.1/$PORT; idle+=("$fd"); done
start=$(date +%s%N)
run "$TSIGN" timestamp --tsa "$URL" --timeout 5 --out idle.tsr doc.txt
expect_rc 0 "answered while 6 idle connections are open"
check "answered without waiting for the idle ones (< 1.5 s)" test $(( ($(date +%s%N) - start) / 1000000 )) -lt 1500
for fd in "${idle[@]}"; do exec {fd}>&-; done
finish
