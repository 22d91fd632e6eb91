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
for cmd in "" "key" "key gen" "csr" "token" "token list" "token keys" "token keygen" "token import-cert" "info" \
           "sign" "cosign" "extend" "verify" "cert" "cert verify" "ca" "ca init" "ca issue" "ca revoke" "ca unrevoke" \
           "ca crl" "ca list" "ca audit" "ocsp" "ocsp serve" "ocsp check" "batch" "timestamp" "timestamp verify" "tsa" "tsa serve" "tsa list" \
           "policy show" "roster make" "roster check"; do
  # shellcheck disable=SC2086
  run "$TSIGN" $cmd --help
  expect_rc 0 "tsign $cmd --help"
  expect_out_contains "EXAMPLES:" "tsign $cmd --help has EXAMPLES"
  expect_out_contains "EXIT CODES:" "tsign $cmd --help has EXIT CODES"
done
run "$TSIGN" no-such-command
expect_rc 2 "unknown command"
expect_one_line_error "unknown command"
run "$TSIGN" csr --subject /CN=x
expect_rc 2 "missing --key"
run "$TSIGN"
expect_rc 2 "no command"

finish
