#!/usr/bin/env bash
# tsign info on every object it knows (JSON fields checked against openssl), the sample
# hierarchy (checked by openssl verify and GnuTLS certtool), --help and --version.
source "$(dirname "$0")/lib.sh"
cd "$W"
export SAMPLE_PASS=tsign-sample

# --- the sample hierarchy script ---
check "make-sample.sh runs" bash "$TSIGN_SOURCE/certs-sample/make-sample.sh" "$W/sample"
S=$W/sample
for c in signer-ali-rezaei signer-sara-ahmadi signer-maryam-karimi tsa ocsp; do
  check "openssl verify: $c chains to the sample root" openssl verify -CAfile "$S/root.crt.pem" -untrusted "$S/intermediate.crt.pem" "$S/$c.crt.pem"
  check "certtool verifies the chain of $c" certtool --verify-chain --infile <(cat "$S/$c.crt.pem" "$S/intermediate.crt.pem" "$S/root.crt.pem")
  check "key of $c is mode 0600" test "$(stat -c %a "$S/$c.key.pem")" = 600
  check "key of $c is encrypted" grep -q "ENCRYPTED PRIVATE KEY" "$S/$c.key.pem"
  run "$TSIGN" csr --key "$S/$c.key.pem" --cert "$S/$c.crt.pem" --pin-source env:SAMPLE_PASS --subject /CN=x --out "$c.csr"
  expect_rc 0 "sample key $c opens with its certificate"
done
check "the committed sample chains (ignoring time)" openssl verify -no_check_time -CAfile "$TSIGN_SOURCE/certs-sample/root.crt.pem" \
  -untrusted "$TSIGN_SOURCE/certs-sample/intermediate.crt.pem" "$TSIGN_SOURCE/certs-sample/signer-ali-rezaei.crt.pem"
check "tsa certificate has a critical timeStamping EKU" grep -A1 "Extended Key Usage: critical" <(openssl x509 -in "$S/tsa.crt.pem" -noout -text)
check "ocsp certificate has no-check" grep -q "OCSP No Check" <(openssl x509 -in "$S/ocsp.crt.pem" -noout -text)

# --- info: certificate ---
run "$TSIGN" info --json "$S/signer-ali-rezaei.crt.pem"
expect_rc 0 "info --json certificate"
cp out cert.json
check "type" test "$(jq -r .type cert.json)" = certificate
check "UTF-8 subject, no escapes" test "$(jq -r .subject cert.json)" = "CN=علی رضایی, OU=کمیسیون مناقصه, O=شهرداری نمونه (TEST ONLY), C=IR"
want_serial=$(openssl x509 -in "$S/signer-ali-rezaei.crt.pem" -noout -serial | cut -d= -f2)
check "serial agrees with openssl" test "$(jq -r .serial cert.json)" = "$want_serial"
want_end=$(date -u -d "$(openssl x509 -in "$S/signer-ali-rezaei.crt.pem" -noout -enddate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)
check "not_after agrees with openssl" test "$(jq -r .not_after cert.json)" = "$want_end"
want_fp=$(openssl x509 -in "$S/signer-ali-rezaei.crt.pem" -noout -fingerprint -sha256 | cut -d= -f2 | tr 'A-F' 'a-f')
check "fingerprint agrees with openssl" test "$(jq -r .fingerprint_sha256 cert.json)" = "$want_fp"
check "key usage" test "$(jq -r '.extensions.key_usage.usages | join(",")' cert.json)" = "digitalSignature,nonRepudiation"
check "OCSP URL" test "$(jq -r '.extensions.ocsp[0]' cert.json)" = "URI:http://127.0.0.1:8081/"
openssl x509 -in "$S/signer-ali-rezaei.crt.pem" -outform DER -out ali.der
run "$TSIGN" info ali.der
expect_rc 0 "info on DER"
expect_out_contains "Subject: CN=علی رضایی" "human output shows the Persian name"
if grep -q '\\x' out || grep -q '\\D8' out; then fail "escaped bytes in human output"; else ok "no escaped bytes"; fi
if grep -qE '[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} UTC \(1[34][0-9]{2}/[0-9]{2}/[0-9]{2}\)' out; then ok "dates shown with Jalali"; else fail "no Jalali date: $(grep -i after out)"; fi
run "$TSIGN" --calendar gregorian info ali.der
if grep -q 'UTC (1' out; then fail "--calendar gregorian still shows Jalali"; else ok "--calendar gregorian"; fi
run "$TSIGN" info - <ali.der
expect_rc 0 "info from standard input"
check "TSA EKU critical in JSON" test "$("$TSIGN" info --json "$S/tsa.crt.pem" | jq -r '.extensions.extended_key_usage.critical')" = true
check "intermediate path length" test "$("$TSIGN" info --json "$S/intermediate.crt.pem" | jq -r '.extensions.basic_constraints.path_length')" = 0
check "root is self-signed" test "$("$TSIGN" info --json "$S/root.crt.pem" | jq -r '.self_signed')" = true

# --- info: CSR, keys, CRL ---
run "$TSIGN" info --json signer-ali-rezaei.csr
check "CSR type and valid self-signature" test "$(jq -r '.type + " " + (.signature_valid|tostring)' out)" = "csr true"
run "$TSIGN" info --json "$S/tsa.key.pem"
check "encrypted key described without a passphrase" test "$(jq -r '.type + " " + (.encrypted|tostring)' out)" = "private-key true"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out plain.pem
run "$TSIGN" info --json plain.pem
check "plain key curve" test "$(jq -r .public_key.curve out)" = P-384
want_spki=$(openssl pkey -in plain.pem -pubout -outform DER | sha256sum | cut -d' ' -f1)
check "SPKI hash agrees with openssl" test "$(jq -r .public_key.spki_sha256 out)" = "$want_spki"
openssl ec -in plain.pem -out sec1.pem 2>/dev/null
check "SEC1 key format" test "$("$TSIGN" info --json sec1.pem | jq -r .format)" = SEC1
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out r.pem 2>/dev/null
openssl pkey -in r.pem -traditional -out p1.pem
check "PKCS#1 key format" test "$("$TSIGN" info --json p1.pem | jq -r .format)" = PKCS#1
# a CRL made by openssl ca
mkdir -p ca/newcerts && touch ca/index.txt && echo 01 >ca/crlnumber
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca/key.pem -subj '/CN=CRL CA' -days 10 -out ca/crt.pem 2>/dev/null
printf '[ca]\ndefault_ca=d\n[d]\ndatabase=ca/index.txt\ncrlnumber=ca/crlnumber\ndefault_md=sha256\ndefault_crl_days=7\n' >ca.cnf
openssl ca -config ca.cnf -gencrl -keyfile ca/key.pem -cert ca/crt.pem -out test.crl 2>/dev/null
run "$TSIGN" info --json test.crl
expect_rc 0 "info on a CRL"
check "CRL number" test "$(jq -r .crl_number out)" = 01
check "CRL issuer" test "$(jq -r .issuer out)" = "CN=CRL CA"

# --- info: RFC 3161 timestamp request, response and token (made by openssl ts) ---
printf '[tsa]\ndefault_tsa=t\n[t]\nserial=tsaserial\ncrypto_device=builtin\ndefault_policy=1.2.3.4.1\ndigests=sha256\naccuracy=secs:1\nordering=no\ntsa_name=yes\ness_cert_id_alg=sha256\nsigner_digest=sha256\n' >ts.cnf
echo 2a >tsaserial
printf 'the minute\n' >doc.txt
openssl ts -query -data doc.txt -sha256 -cert -out req.tsq 2>/dev/null
openssl ts -reply -config ts.cnf -queryfile req.tsq -inkey "$S/tsa.key.pem" -passin pass:tsign-sample -signer "$S/tsa.crt.pem" -out resp.tsr 2>/dev/null
openssl ts -reply -config ts.cnf -queryfile req.tsq -inkey "$S/tsa.key.pem" -passin pass:tsign-sample -signer "$S/tsa.crt.pem" -token_out -out token.tst 2>/dev/null
check "openssl made the timestamp fixtures" test -s req.tsq -a -s resp.tsr -a -s token.tst
want_hash=$(sha256sum doc.txt | cut -d' ' -f1)
want_nonce=$(openssl ts -query -in req.tsq -text 2>/dev/null | sed -n 's/^Nonce: 0x//p' | tr 'A-F' 'a-f' | sed 's/^0*//')
run "$TSIGN" info --json req.tsq
expect_rc 0 "info on a timestamp request"
check "TSQ: type" test "$(jq -r .type out)" = timestamp-request
check "TSQ: imprint algorithm" test "$(jq -r .message_imprint.algorithm out)" = sha256
check "TSQ: imprint is the document's SHA-256" test "$(jq -r .message_imprint.hash out)" = "$want_hash"
check "TSQ: nonce agrees with openssl" test "$(jq -r .nonce out | tr 'A-F' 'a-f' | sed 's/^0*//')" = "$want_nonce"
check "TSQ: certReq" test "$(jq -r .cert_req out)" = true
run "$TSIGN" info --json resp.tsr
expect_rc 0 "info on a timestamp response"
cp out tsr.json
check "TSR: type and status" test "$(jq -r '.type + " " + .status' tsr.json)" = "timestamp-response granted"
check "TSR: the token is a timestamp token" test "$(jq -r .token.type tsr.json)" = timestamp-token
want_serial=$(openssl ts -reply -in resp.tsr -text 2>/dev/null | sed -n 's/^Serial number: 0x//p' | tr 'A-F' 'a-f')
check "TSR: serial (hex) agrees with openssl" test "$(jq -r .token.tst_info.serial tsr.json | tr 'A-F' 'a-f')" = "$want_serial"
check "TSR: policy" test "$(jq -r .token.tst_info.policy tsr.json)" = 1.2.3.4.1
check "TSR: imprint" test "$(jq -r .token.tst_info.message_imprint.hash tsr.json)" = "$want_hash"
check "TSR: nonce echoed" test "$(jq -r .token.tst_info.nonce tsr.json | tr 'A-F' 'a-f' | sed 's/^0*//')" = "$want_nonce"
check "TSR: TSA name" test "$(jq -r .token.tst_info.tsa_name tsr.json)" = "DirName:$(jq -r .subject <("$TSIGN" info --json "$S/tsa.crt.pem"))"
want_gen=$(date -u -d "$(openssl ts -reply -in resp.tsr -text 2>/dev/null | sed -n 's/^Time stamp: //p')" +%Y-%m-%dT%H:%M:%SZ)
check "TSR: gen time agrees with openssl" test "$(jq -r .token.tst_info.gen_time tsr.json)" = "$want_gen"
run "$TSIGN" info --json token.tst
expect_rc 0 "info on a timestamp token"
check "TST: type" test "$(jq -r .type out)" = timestamp-token
want_serial=$(openssl ts -reply -in token.tst -token_in -text 2>/dev/null | sed -n 's/^Serial number: 0x//p' | tr 'A-F' 'a-f')
check "TST: serial agrees with openssl" test "$(jq -r .tst_info.serial out | tr 'A-F' 'a-f')" = "$want_serial"
check "TST: signer is the TSA" test "$(jq -r '.signers[0].subject' out)" = "$(jq -r .subject <("$TSIGN" info --json "$S/tsa.crt.pem"))"
run "$TSIGN" info resp.tsr
expect_rc 0 "info on a timestamp response (human)"
expect_out_contains "Status: granted" "human TSR: status"
expect_out_contains "Gen time: " "human TSR: gen time"
expect_out_contains "Hash: $want_hash" "human TSR: imprint"
openssl ts -query -data doc.txt -sha256 -tspolicy 1.2.3.4.99 -out badpolicy.tsq 2>/dev/null
openssl ts -reply -config ts.cnf -queryfile badpolicy.tsq -inkey "$S/tsa.key.pem" -passin pass:tsign-sample -signer "$S/tsa.crt.pem" -out rejected.tsr 2>/dev/null
run "$TSIGN" info --json rejected.tsr
check "TSR rejection: status and failure info" test "$(jq -r '.status + " " + (.failure_info | join(",")) + " " + (.token|tostring)' out)" = "rejection unacceptedPolicy null"

# --- info: OCSP request and response (openssl ocsp as an offline responder) and a CRL with entries ---
exp=$(date -u -d '+30 days' +%y%m%d%H%M%SZ)
rev=$(date -u -d '-1 day' +%y%m%d%H%M%SZ)
printf 'V\t%s\t\t1001\tunknown\t/CN=good\nR\t%s\t%s,keyCompromise\t1002\tunknown\t/CN=lost\n' "$exp" "$exp" "$rev" >idx.txt
openssl ocsp -issuer ca/crt.pem -serial 0x1001 -serial 0x1002 -serial 0x1003 -reqout ocsp-req.der 2>/dev/null
openssl ocsp -index idx.txt -rsigner ca/crt.pem -rkey ca/key.pem -CA ca/crt.pem -reqin ocsp-req.der -respout ocsp-resp.der -ndays 1 >/dev/null 2>&1
check "openssl made the OCSP fixtures" test -s ocsp-req.der -a -s ocsp-resp.der
run "$TSIGN" info --json ocsp-req.der
expect_rc 0 "info on an OCSP request"
check "OCSP request: type" test "$(jq -r .type out)" = ocsp-request
check "OCSP request: the three serials (hex)" test "$(jq -r '[.requests[].serial] | join(",")' out)" = 1001,1002,1003
check "OCSP request: hash algorithm" test "$(jq -r '.requests[0].hash_algorithm' out)" = sha1
want_ononce=$(openssl ocsp -reqin ocsp-req.der -req_text 2>/dev/null | grep -A1 'OCSP Nonce' | tail -1 | tr -d ' ' | tr 'A-F' 'a-f')
check "OCSP request: nonce agrees with openssl" test "0410$(jq -r .nonce out)" = "$want_ononce"
run "$TSIGN" info --json ocsp-resp.der
expect_rc 0 "info on an OCSP response"
cp out ocsp.json
check "OCSP response: type and status" test "$(jq -r '.type + " " + .status' ocsp.json)" = "ocsp-response successful"
check "OCSP response: responder" test "$(jq -r .responder_id.name ocsp.json)" = "CN=CRL CA"
check "OCSP response: good / revoked / unknown" test "$(jq -r '[.responses[] | .serial + "=" + .cert_status] | join(",")' ocsp.json)" = "1001=good,1002=revoked,1003=unknown"
check "OCSP response: reason" test "$(jq -r '.responses[1].reason' ocsp.json)" = keyCompromise
check "OCSP response: revocation time" test "$(jq -r '.responses[1].revocation_time' ocsp.json)" = "$(date -u -d "20${rev:0:2}-${rev:2:2}-${rev:4:2} ${rev:6:2}:${rev:8:2}:${rev:10:2}" +%Y-%m-%dT%H:%M:%SZ)"
check "OCSP response: nonce echoed" test "$(jq -r .nonce ocsp.json)" = "$(jq -r .nonce <("$TSIGN" info --json ocsp-req.der))"
want_pat=$(date -u -d "$(openssl ocsp -respin ocsp-resp.der -resp_text -noverify 2>/dev/null | sed -n 's/^ *Produced At: //p')" +%Y-%m-%dT%H:%M:%SZ)
check "OCSP response: producedAt agrees with openssl" test "$(jq -r .produced_at ocsp.json)" = "$want_pat"
check "OCSP response: nextUpdate" test "$(jq -r '.responses[0].next_update' ocsp.json)" != null
run "$TSIGN" info ocsp-resp.der
expect_out_contains "Cert status: revoked" "human OCSP response: revoked"
expect_out_contains "Reason: keyCompromise" "human OCSP response: reason"
printf '\x30\x03\x0a\x01\x03' >trylater.der   # OCSPResponse { responseStatus tryLater }
run "$TSIGN" info --json trylater.der
expect_rc 0 "info on an unsuccessful OCSP response"
check "OCSP response: tryLater" test "$(jq -r '.type + " " + .status' out)" = "ocsp-response trylater"
openssl ocsp -index idx.txt -rsigner ca/crt.pem -rkey ca/key.pem -CA ca/crt.pem -reqin ocsp-req.der -respout ocsp-keyid.der -resp_key_id -ndays 1 >/dev/null 2>&1
run "$TSIGN" info --json ocsp-keyid.der
check "OCSP response by key hash" test "$(jq -r '.responder_id.key_hash | length' out)" = 40
printf '[ca]\ndefault_ca=d\n[d]\ndatabase=idx.txt\ncrlnumber=ca/crlnumber\ndefault_md=sha256\ndefault_crl_days=7\n' >ca2.cnf
openssl ca -config ca2.cnf -gencrl -keyfile ca/key.pem -cert ca/crt.pem -out rev.crl 2>/dev/null
run "$TSIGN" info --json rev.crl
expect_rc 0 "info on a CRL with an entry"
check "CRL: revoked count and entry" test "$(jq -r '(.revoked_count|tostring) + " " + .revoked[0].serial + " " + .revoked[0].reason' out)" = "1 1002 keyCompromise"
# truncated and garbage versions: exit 3, one line
for f in req.tsq resp.tsr token.tst ocsp-req.der ocsp-resp.der rev.crl; do
  head -c $(( $(stat -c %s "$f") - 7 )) "$f" >"trunc-$f"
  run "$TSIGN" info "trunc-$f"
  expect_rc 3 "truncated $f"
  expect_one_line_error "truncated $f"
  { head -c 3 "$f"; head -c 200 /dev/zero | tr '\0' '\377'; } >"garbage-$f"
  run "$TSIGN" info --json "garbage-$f"
  expect_rc 3 "garbage $f"
  expect_one_line_error "garbage $f"
done

# --- malformed input ---
head -c 200 ali.der >trunc.der
run "$TSIGN" info trunc.der
expect_rc 3 "truncated certificate"
expect_one_line_error "truncated certificate"
: >empty
run "$TSIGN" info empty
expect_rc 3 "empty file"
printf -- '-----BEGIN PKCS7-----\nAAAA\n-----END PKCS7-----\n' >x.p7
run "$TSIGN" info x.p7
expect_rc 3 "unsupported PEM type"
run "$TSIGN" info nonexistent.pem
expect_rc 3 "missing file"

# --- help and version ---
run "$TSIGN" --version
expect_rc 0 "--version"
expect_out_contains "OpenSSL 3" "--version names OpenSSL"
expect_out_contains "libp11" "--version names libp11"
# every command and subcommand, walked from --help (the commands under "Subcommands:" or a "Commands for ...:"
# group), so that a new command needs EXAMPLES and EXIT CODES too
help_walk() {
  echo "$*"
  local s
  for s in $("$TSIGN" "$@" --help | sed -n '/^\(Subcommands\|Commands[^:]*\):$/,/^$/p' | awk '/^  [a-z]/ { print $1 }'); do help_walk "$@" "$s"; done
}
help_walk >"$W/commands.txt"
for cmd in "key gen" "token import-cert" "ca audit" "ocsp check" "timestamp verify" "tsa list" "policy show" "roster check" "tender open"; do
  check "the walk of --help reaches tsign $cmd" grep -qxF "$cmd" "$W/commands.txt"
done
while read -r cmd; do
  # shellcheck disable=SC2086
  run "$TSIGN" $cmd --help
  expect_rc 0 "tsign $cmd --help"
  expect_out_contains "EXAMPLES:" "tsign $cmd --help has EXAMPLES"
  expect_out_contains "EXIT CODES:" "tsign $cmd --help has EXIT CODES"
done <"$W/commands.txt"
run "$TSIGN" no-such-command
expect_rc 2 "unknown command"
expect_one_line_error "unknown command"
run "$TSIGN" csr --subject /CN=x
expect_rc 2 "missing --key"
run "$TSIGN"
expect_rc 2 "no command"

finish
