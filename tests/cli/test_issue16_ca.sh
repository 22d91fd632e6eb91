#!/usr/bin/env bash
# Issue 16, the CA / OCSP / TSA side:
#  - `tsa serve --chain` puts the TSA's intermediates into tokens (certReq), so that `timestamp verify
#    --trust root` and `openssl ts -verify -CAfile root` need nothing else; a chain that does not chain
#    the TSA certificate stops the start (exit 3);
#  - `ocsp query` asks a certificate's responder (URL and issuer from its AIA; `ocsp serve` publishes
#    the CA certificate at /ca.crt), checks the answer as `ocsp check` does and saves it;
#  - `ca init` warns about a CA that issues CA certificates without CRL or OCSP URL;
#  - revoking a revoked certificate (or releasing one not on hold) is exit 3 naming the revocation;
#  - `ca crl` says what it wrote; serial numbers are hex everywhere.
source "$(dirname "$0")/lib.sh"
cd "$W" || exit 1
export P=issue16-pass
PORT=$(free_ports 5)
OCSP_PORT=$PORT; TSA_PORT=$((PORT + 1)); TSA0_PORT=$((PORT + 2)); DEAD=$((PORT + 3)); FAKE=$((PORT + 4))
BASE=http://127.0.0.1:$OCSP_PORT
PIDS=()
# shellcheck disable=SC2154
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$W"' EXIT
wait_port() { for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$1/healthz" && return 0; sleep 0.1; done; return 1; }
net() { TSIGN_OFFLINE="" "$@"; }  # one command with network access allowed
serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }

# --- 3. ca init warns about a CA that issues CA certificates and names no CRL / OCSP URL -------------
run "$TSIGN" ca init --dir bare --subject "/CN=Bare Root/C=IR" --key-type ec-p256 --pin-source env:P
expect_rc 0 "a root without URLs is created"
expect_err_contains "tsign: warning: the root CA in 'bare' can issue CA certificates, but has no CRL URL and no OCSP URL" \
  "root without URLs: warning"
expect_err_contains "hint: give --crl-url URL and/or --ocsp-url URL" "root without URLs: the hint names the options"
check "the warning comes first, as a line of its own" bash -c "head -n1 '$W/err' | grep -q '^tsign: warning: '"
run "$TSIGN" ca init --dir bare-sub --subject "/CN=Bare Sub/C=IR" --key-type ec-p256 --pin-source env:P --parent bare \
  --parent-pin-source env:P
expect_rc 0 "an intermediate with path length 0 and no URLs"
check "no warning for an intermediate that cannot issue CA certificates" bash -c "! grep -q warning '$W/err'"
run "$TSIGN" ca init --dir bare-sub1 --subject "/CN=Bare Sub 1/C=IR" --key-type ec-p256 --pin-source env:P --parent bare \
  --parent-pin-source env:P --path-length 1
expect_rc 0 "an intermediate with path length 1 and no URLs"
expect_err_contains "tsign: warning: the intermediate CA in 'bare-sub1' can issue CA certificates" "path length 1: warning"
run "$TSIGN" ca init --dir root --subject "/CN=Root/C=IR" --key-type ec-p256 --pin-source env:P --crl-url "http://127.0.0.1:$DEAD/crl"
expect_rc 0 "a root with a CRL URL"
check "no warning with a CRL URL" bash -c "! grep -q warning '$W/err'"
run "$TSIGN" ca init --dir root-ocsp --subject "/CN=Root O/C=IR" --key-type ec-p256 --pin-source env:P --ocsp-url "http://127.0.0.1:$DEAD/"
check "no warning with an OCSP URL" bash -c "! grep -q warning '$W/err'"
run "$TSIGN" ca init --dir sub --subject "/CN=Sub/C=IR" --key-type ec-p256 --pin-source env:P --parent root --parent-pin-source env:P \
  --crl-url "$BASE/crl" --ocsp-url "$BASE/" --issuer-url "$BASE/ca.crt"
expect_rc 0 "the intermediate with CRL, OCSP and caIssuers URLs"
openssl x509 -in root/ca.crt.pem -out root.crt
openssl x509 -in sub/ca.crt.pem -out sub.crt

# --- 6. ca issue names the serial, in hex, as openssl shows it -----------------------------------
for n in tsa good revoked hold held2 ali; do
  "$TSIGN" key gen --type ec-p256 --out $n.key >/dev/null 2>&1
  "$TSIGN" csr --key $n.key --subject "/CN=$n/C=IR" --out $n.csr
done
run "$TSIGN" ca issue --dir sub --csr tsa.csr --profile tsa --pem --out tsa.crt --pin-source env:P
expect_rc 0 "TSA certificate issued by the intermediate"
expect_err_contains "issued $(serial_of tsa.crt) (tsa) to CN=tsa, C=IR" "ca issue prints the serial in hex (as openssl does)"
for n in good revoked hold held2; do "$TSIGN" ca issue --dir sub --csr $n.csr --pem --out $n.crt --pin-source env:P 2>/dev/null; done
"$TSIGN" ca issue --dir root --csr ali.csr --pem --out ali.crt --pin-source env:P 2>/dev/null
run "$TSIGN" ca list --dir sub --json
check "ca list: serials are the certificates' hex serials" \
  test "$(jq -r '.certificates[].serial' out | sort | tr '\n' ' ')" = "$(for n in tsa good revoked hold held2; do serial_of $n.crt; done | sort | tr '\n' ' ')"

# --- 4. revoking twice is exit 3 naming the revocation; unrevoke of a certificate not on hold too ---
RS=$(serial_of revoked.crt)
lower=$(printf '%s' "$RS" | tr 'A-F' 'a-f')
run "$TSIGN" ca revoke --dir sub --serial "0x$lower" --reason keyCompromise --date 2026-01-02T03:04:05Z
expect_rc 0 "revoke with a 0x-prefixed lowercase serial"
expect_err_contains "revoked $RS (keyCompromise)" "revoke names the serial in uppercase hex"
run "$TSIGN" ca revoke --dir sub --serial "$RS" --reason superseded
expect_rc 3 "revoking a revoked certificate"
expect_one_line_error "revoking a revoked certificate"
expect_err_contains "refusing to revoke certificate $RS: it is revoked on 2026-01-02T03:04:05Z (reason keyCompromise) already" \
  "the message names the serial and the existing revocation (time, reason)"
run "$TSIGN" ca revoke --dir sub --serial "$(serial_of hold.crt)" --reason certificateHold
expect_rc 0 "put on hold"
run "$TSIGN" ca revoke --dir sub --serial "$(serial_of hold.crt)" --reason certificateHold
expect_rc 3 "a second hold"
expect_err_contains "refusing to put certificate $(serial_of hold.crt) on hold: it is on hold already since" "the second hold is named"
run "$TSIGN" ca unrevoke --dir sub --serial "$(serial_of good.crt)"
expect_rc 3 "unrevoke of a valid certificate"
expect_err_contains "refusing to unrevoke certificate $(serial_of good.crt): it is not on hold (status valid)" "unrevoke: not on hold"
run "$TSIGN" ca unrevoke --dir sub --serial "$RS"
expect_rc 3 "unrevoke of a revoked certificate"
expect_err_contains "it is revoked on 2026-01-02T03:04:05Z (reason keyCompromise), and only a certificateHold can be released" \
  "unrevoke of a revocation names it"
run "$TSIGN" ca revoke --dir sub --serial 0123456789ABCDEF --reason superseded
expect_rc 3 "revoking an unknown serial"
run "$TSIGN" ca revoke --dir sub --serial "$(serial_of held2.crt)" --reason certificateHold
run "$TSIGN" ca revoke --dir sub --serial "$(serial_of held2.crt)" --reason keyCompromise
expect_rc 0 "a certificate on hold may be revoked for good"
run "$TSIGN" ca audit --dir sub --json
check "audit log: serials in hex" jq -e --arg s "$RS" '[.entries[] | select(.action == "revoke") | .details | contains("serial=" + $s)] | any' out

# --- 5. ca crl reports what it wrote -------------------------------------------------------------
run "$TSIGN" ca crl --dir sub --out sub1.crl --pin-source env:P
expect_rc 0 "ca crl"
N1=$(openssl crl -inform DER -in sub1.crl -noout -crlnumber | cut -d= -f2 | sed 's/^0x//')
entries=$(openssl crl -inform DER -in sub1.crl -noout -text | grep -c "Serial Number:")
check "openssl counts 3 entries (revoked, hold, hold then revoked)" test "$entries" = 3
expect_err_contains "wrote CRL number $((16#$N1)) to sub1.crl: 3 revoked certificates, thisUpdate " "ca crl: path, number, entries"
expect_err_contains ", nextUpdate " "ca crl: nextUpdate"
run "$TSIGN" ca crl --dir sub --out sub2.crl --json --next-update 48 --pin-source env:P
expect_rc 0 "ca crl --json"
N2=$(openssl crl -inform DER -in sub2.crl -noout -crlnumber | cut -d= -f2 | sed 's/^0x//')
check "JSON: crl_number as in the CRL" test "$(jq -r .crl_number out)" = "$((16#$N2))"
check "JSON: the next number" test "$((16#$N2))" = "$((16#$N1 + 1))"
check "JSON: path and entries" test "$(jq -r '.path + " " + (.entries | tostring)' out)" = "sub2.crl 3"
next_ossl=$(date -u -d "$(openssl crl -inform DER -in sub2.crl -noout -nextupdate | cut -d= -f2)" +%s)
last_ossl=$(date -u -d "$(openssl crl -inform DER -in sub2.crl -noout -lastupdate | cut -d= -f2)" +%s)
check "JSON: next_update as in the CRL" test "$(date -u -d "$(jq -r .next_update out)" +%s)" = "$next_ossl"
check "JSON: this_update as in the CRL" test "$(date -u -d "$(jq -r .this_update out)" +%s)" = "$last_ossl"
check "nextUpdate 48 hours on" test $((next_ossl - last_ossl)) = 172800
run "$TSIGN" ca crl --dir sub --out sub2.crl --pin-source env:P
expect_rc 3 "an existing CRL file is not replaced without --force"
run "$TSIGN" ca crl --dir sub --json --pin-source env:P
expect_rc 2 "--json needs --out"
run "$TSIGN" ca crl --dir sub --out sub3.crl --pin-source env:P
N3=$(openssl crl -inform DER -in sub3.crl -noout -crlnumber | cut -d= -f2 | sed 's/^0x//')
check "a refused write spends no CRL number" test "$((16#$N3))" = "$((16#$N2 + 1))"

# --- 1. tsa serve --chain ------------------------------------------------------------------------
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout x.key -subj /CN=Stranger -days 2 -out stranger.crt 2>/dev/null
run "$TSIGN" tsa serve --key tsa.key --cert tsa.crt --chain stranger.crt --listen 127.0.0.1:$TSA_PORT --state tsa-bad
expect_rc 3 "a chain file without the TSA's issuer"
expect_one_line_error "a chain file without the TSA's issuer"
expect_err_contains "does not hold the TSA certificate's issuer 'CN=Sub, C=IR'" "the missing issuer is named"
cat sub.crt stranger.crt >mixed.pem
run "$TSIGN" tsa serve --key tsa.key --cert tsa.crt --chain mixed.pem --listen 127.0.0.1:$TSA_PORT --state tsa-bad
expect_rc 3 "a chain file with a certificate off the TSA's path"
expect_err_contains "the certificate 'CN=Stranger' in 'mixed.pem' is not on the TSA certificate's path" "the stray certificate is named"
run "$TSIGN" tsa serve --key tsa.key --cert tsa.crt --chain missing.pem --listen 127.0.0.1:$TSA_PORT --state tsa-bad
expect_rc 3 "a missing chain file"

# sub/chain.pem holds the intermediate and the root: the root stays out of the tokens
"$TSIGN" tsa serve --key tsa.key --cert tsa.crt --chain sub/chain.pem --listen 127.0.0.1:$TSA_PORT --state tsa-state 2>tsa.log & PIDS+=($!)
check "TSA with --chain starts" wait_port $TSA_PORT
"$TSIGN" tsa serve --key tsa.key --cert tsa.crt --listen 127.0.0.1:$TSA0_PORT --state tsa0-state 2>tsa0.log & PIDS+=($!)
check "TSA without --chain starts" wait_port $TSA0_PORT
printf 'صورتجلسه کمیسیون\n' >doc.txt
cp doc.txt doc0.txt

run "$TSIGN" timestamp --tsa "http://127.0.0.1:$TSA0_PORT/" doc0.txt
run "$TSIGN" timestamp verify --trust root.crt doc0.txt.tsr doc0.txt
expect_rc 1 "without --chain (as before): a token with only the TSA certificate needs --untrusted"
run "$TSIGN" timestamp --tsa "http://127.0.0.1:$TSA_PORT/" doc.txt
expect_rc 0 "timestamp from the TSA with --chain"
run "$TSIGN" timestamp verify --trust root.crt --json doc.txt.tsr doc.txt
expect_rc 0 "timestamp verify --trust root.crt, no --untrusted"
check "the TSA's path reaches the root" test "$(jq -r '.chain | join(" / ")' out)" = "CN=tsa, C=IR / CN=Sub, C=IR / CN=Root, C=IR"
check "openssl ts -verify -CAfile root.crt (no -untrusted)" openssl ts -verify -in doc.txt.tsr -data doc.txt -CAfile root.crt
openssl ts -reply -in doc.txt.tsr -token_out -out tok.der 2>/dev/null
openssl pkcs7 -inform DER -in tok.der -print_certs -noout >tok-certs.txt 2>&1
check "the token carries the TSA certificate and the intermediate" test "$(grep -c '^subject=' tok-certs.txt)" = 2
check "the token carries the intermediate" grep -q "subject=CN *= *Sub" tok-certs.txt
check "the token does not carry the root" bash -c "! grep -q 'subject=CN *= *Root' tok-certs.txt"
openssl ts -query -data doc.txt -sha256 -out nocert.tsq 2>/dev/null
curl -s --data-binary @nocert.tsq -H 'Content-Type: application/timestamp-query' "http://127.0.0.1:$TSA_PORT/" -o nocert.tsr
openssl ts -reply -in nocert.tsr -token_out -out nocert.der 2>/dev/null
check "without certReq the token carries no certificate" bash -c \
  "! openssl pkcs7 -inform DER -in nocert.der -print_certs -noout 2>/dev/null | grep -q subject="
check "openssl ts -verify of the certReq-less token with -untrusted" \
  openssl ts -verify -in nocert.tsr -queryfile nocert.tsq -CAfile root.crt -untrusted <(cat tsa.crt sub.crt)

# CAdES-B-T: the signer's certificate comes from the root; the TSA's intermediate only from the token
run "$TSIGN" sign --key ali.key --cert ali.crt --tsa "http://127.0.0.1:$TSA_PORT/" --out bt.p7s doc.txt
expect_rc 0 "sign --tsa (B-T)"
run "$TSIGN" verify --trust root.crt --json bt.p7s doc.txt
expect_rc 0 "verify --trust root: the TSA's intermediate comes from the token"
check "the B-T signature's timestamp is reported" test "$(jq -r '.signers[0].timestamp_time' out)" != null
check "openssl cms -verify accepts the B-T signature" openssl cms -verify -binary -inform DER -in bt.p7s -content doc.txt -CAfile root.crt -out cms.out
run "$TSIGN" sign --key ali.key --cert ali.crt --tsa "http://127.0.0.1:$TSA0_PORT/" --out bt0.p7s doc.txt
run "$TSIGN" verify --trust root.crt --json bt0.p7s doc.txt
expect_rc 1 "as before: a token without the intermediate does not verify from the root alone"

# --- 6. tsa list: the token's serial in hex, as timestamp verify shows it -------------------------
run "$TSIGN" timestamp verify --trust root.crt --json doc.txt.tsr doc.txt
tok_serial=$(jq -r .serial out)
run "$TSIGN" tsa list --state tsa-state --json
expect_rc 0 "tsa list"
check "tsa list gives the serial as the token does ($tok_serial)" jq -e --arg s "$tok_serial" '[.timestamps[].serial] | index($s) != null' out
check "tsa list serials are hex of even length" jq -e '[.timestamps[].serial | test("^([0-9A-F]{2})+$")] | all' out
run "$TSIGN" tsa list --state tsa-state
expect_out_contains "$tok_serial  " "tsa list (human): hex serial"
# the same for the TSA without --chain (whose tokens today's code issues as well)
run "$TSIGN" timestamp verify --trust root.crt --untrusted sub.crt --json doc0.txt.tsr doc0.txt
tok0_serial=$(jq -r .serial out)
check "the first token's serial is 01" test "$tok0_serial" = 01
run "$TSIGN" tsa list --state tsa0-state --json
check "tsa list (no --chain TSA): the serial as the token shows it" test "$(jq -r '.timestamps[0].serial' out)" = "$tok0_serial"

# --- 2. ocsp query -------------------------------------------------------------------------------
"$TSIGN" ocsp serve --dir sub --listen 127.0.0.1:$OCSP_PORT --pin-source env:P 2>ocsp.log & PIDS+=($!)
check "OCSP responder starts" wait_port $OCSP_PORT
curl -s "$BASE/ca.crt" -o served.der
check "ocsp serve publishes the CA certificate (DER) at /ca.crt" cmp served.der <(openssl x509 -in sub.crt -outform DER)
check "/ca.crt is application/pkix-cert" bash -c "curl -s -D - -o /dev/null '$BASE/ca.crt' | grep -qi '^content-type: application/pkix-cert'"

run "$TSIGN" ocsp query --trust root.crt good.crt
expect_rc 5 "TSIGN_OFFLINE: no network access"
expect_err_contains "network access is off" "offline is named"
run net "$TSIGN" ocsp query --trust root.crt --out good.ors good.crt
expect_rc 0 "ocsp query: good (responder and issuer from the AIA)"
expect_out_contains "good: OCSP good (responder CN=Sub, C=IR" "the status in words"
expect_out_contains "serial:    $(serial_of good.crt)" "the serial in hex"
expect_out_contains "issuer:    $BASE/ca.crt" "the issuer came from caIssuers"
expect_out_contains "responder: $BASE/" "the responder URL"
openssl ocsp -respin good.ors -no_nonce -issuer sub.crt -cert good.crt -CAfile root.crt -verify_other sub.crt >ossl-good.txt 2>&1
check "openssl ocsp: the saved response verifies" grep -q "Response verify OK" ossl-good.txt
check "openssl ocsp: good" grep -q "good.crt: good" ossl-good.txt
check "the saved response carries our nonce" grep -q "OCSP Nonce" <(openssl ocsp -respin good.ors -resp_text -noverify 2>/dev/null)
run "$TSIGN" ocsp check --trust root.crt --issuer sub.crt --response good.ors good.crt
expect_rc 0 "ocsp check agrees"
run net "$TSIGN" ocsp query --json good.crt
expect_rc 0 "ocsp query without --trust: the issuer (from caIssuers) is the responder's anchor"
check "JSON: good, serial, URLs" test "$(jq -r '[.status, .serial, .url, .issuer_url, (.out | tostring)] | join(" ")' out)" = \
  "good $(serial_of good.crt) $BASE/ $BASE/ca.crt null"
run net "$TSIGN" ocsp query --trust root.crt --out good.ors good.crt
expect_rc 3 "an existing --out is not replaced without --force"
expect_err_contains "file exists" "refusal named"
run net "$TSIGN" ocsp query --trust root.crt --out good.ors --force good.crt
expect_rc 0 "--force replaces it"

run net "$TSIGN" ocsp query --trust root.crt --issuer sub.crt --url "$BASE/" --out revoked.ors --json revoked.crt
expect_rc 1 "ocsp query: revoked"
check "JSON: status revoked" test "$(jq -r .status out)" = revoked
check "JSON: revocation time and reason" test "$(jq -r '.revocation_time + " " + .reason' out)" = "2026-01-02T03:04:05Z keyCompromise"
check "JSON: serial in hex" test "$(jq -r .serial out)" = "$RS"
check "JSON: the issuer was given" test "$(jq -r .issuer_url out)" = null
check "JSON: out" test "$(jq -r .out out)" = revoked.ors
openssl ocsp -respin revoked.ors -no_nonce -issuer sub.crt -cert revoked.crt -CAfile root.crt -verify_other sub.crt >ossl-rev.txt 2>&1
check "openssl ocsp: revoked response verifies" grep -q "Response verify OK" ossl-rev.txt
check "openssl ocsp: revoked, keyCompromise" bash -c "grep -q 'revoked.crt: revoked' ossl-rev.txt && grep -q 'Reason: keyCompromise' ossl-rev.txt"
run net "$TSIGN" ocsp query --trust root.crt revoked.crt
expect_rc 1 "revoked (human)"
expect_out_contains "revoked:   2026-01-02 03:04 UTC" "the revocation time in words"
expect_out_contains "(keyCompromise)" "the reason in words"

# a serial the CA never issued, signed with its key: the responder says unknown
openssl x509 -req -inform DER -in good.csr -CA sub.crt -CAkey sub/ca.key -passin env:P -set_serial 0x1234 -days 1 -out stray.crt 2>/dev/null
run net "$TSIGN" ocsp query --issuer sub.crt --url "$BASE/" --out stray.ors --json stray.crt
expect_rc 1 "ocsp query: unknown"
check "JSON: status unknown, serial 1234" test "$(jq -r '.status + " " + .serial' out)" = "unknown 1234"
check "openssl ocsp: unknown" grep -q "stray.crt: unknown" <(openssl ocsp -respin stray.ors -no_nonce -issuer sub.crt -cert stray.crt -CAfile root.crt -verify_other sub.crt 2>&1)

run net "$TSIGN" ocsp query --trust root.crt --url "http://127.0.0.1:$DEAD/" --out dead.ors good.crt
expect_rc 5 "an unreachable responder"
expect_one_line_error "an unreachable responder"
expect_absent dead.ors "nothing written when the responder is unreachable"
cat >fake.py <<'PY'
import http.server, sys
body = bytes([0x30, 0x03, 0x0a, 0x01, 0x03])  # OCSPResponse { responseStatus tryLater }
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get('Content-Length', 0)))
        self.send_response(200); self.send_header('Content-Type', 'application/ocsp-response')
        self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)
    def do_GET(self):
        self.send_response(200); self.send_header('Content-Length', '0'); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
PY
python3 fake.py $FAKE & PIDS+=($!)
check "fake responder starts" wait_port $FAKE
run net "$TSIGN" ocsp query --trust root.crt --issuer sub.crt --url "http://127.0.0.1:$FAKE/" --out later.ors good.crt
expect_rc 5 "a responder answering tryLater"
expect_err_contains "answered trylater" "the error status is named"
expect_absent later.ors "nothing written for an error status"
run net "$TSIGN" ocsp query --trust root.crt --issuer root.crt good.crt
expect_rc 3 "an --issuer that did not issue the certificate"
expect_err_contains "did not issue the certificate" "the wrong issuer is named"
run net "$TSIGN" ocsp query --trust root.crt --issuer root.crt ali.crt
expect_rc 3 "a certificate that names no OCSP responder"
expect_err_contains "names no OCSP responder" "no responder named"
run net "$TSIGN" ocsp query --trust root.crt --url "$BASE/" ali.crt
expect_rc 3 "a certificate that names no caIssuers URL, without --issuer"
expect_err_contains "names no caIssuers URL" "no caIssuers named"
run net "$TSIGN" ocsp query --trust stranger.crt --out untrusted.ors good.crt
expect_rc 1 "a response that does not chain to --trust cannot be relied on"
check "JSON-less: status invalid" grep -q "^invalid: " out
expect_absent untrusted.ors "an invalid response is not saved"

# --- the help tells ---
run "$TSIGN" ocsp query --help
expect_out_contains "5  the responder (or the caIssuers URL) is unreachable or answered with an error status" "ocsp query --help: exit 5"
expect_out_contains "1  revoked, unknown, or the response cannot be relied on" "ocsp query --help: exit 1"
run "$TSIGN" tsa serve --help
expect_out_contains "--chain" "tsa serve --help: --chain"
run "$TSIGN" ocsp serve --help
expect_out_contains "the CA certificate at /ca.crt" "ocsp serve --help: /ca.crt"
run "$TSIGN" ca crl --help
expect_out_contains "--json" "ca crl --help: --json"

finish
