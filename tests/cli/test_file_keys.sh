#!/usr/bin/env bash
# File keys in every supported format (made by the openssl command), CSRs checked by openssl,
# error paths with their exit codes, and nothing written on failure.
source "$(dirname "$0")/lib.sh"
cd "$W"

# --- keys made by OpenSSL in every format tsign must read ---
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa-p8.pem 2>/dev/null
openssl pkey -in rsa-p8.pem -outform DER -out rsa-p8.der
openssl pkey -in rsa-p8.pem -traditional -out rsa-p1.pem
openssl rsa -in rsa-p8.pem -outform DER -traditional -out rsa-p1.der 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec-p8.pem
openssl ec -in ec-p8.pem -out ec-sec1.pem 2>/dev/null
openssl ec -in ec-p8.pem -outform DER -out ec-sec1.der 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out ec384.pem
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out rsa3072.pem 2>/dev/null
openssl pkcs8 -topk8 -in ec-p8.pem -v2 aes-256-cbc -passout pass:s3cret-pass -out ec-enc.pem
openssl pkcs8 -topk8 -in rsa-p8.pem -v2 aes-256-cbc -passout pass:s3cret-pass -outform DER -out rsa-enc.der
openssl req -x509 -new -key rsa-p8.pem -subj '/CN=rsa test' -days 30 -out rsa.crt 2>/dev/null
openssl req -x509 -new -key ec-p8.pem -subj '/CN=ec test' -days 30 -out ec.crt 2>/dev/null
openssl pkcs12 -export -inkey rsa-p8.pem -in rsa.crt -passout pass:p12-pass -out rsa.p12
openssl pkcs12 -export -inkey ec-p8.pem -in ec.crt -passout pass: -out ec-nopass.pfx
export KEYPASS=s3cret-pass P12PASS=p12-pass WRONG=not-it

for k in rsa-p8.pem rsa-p8.der rsa-p1.pem rsa-p1.der ec-p8.pem ec-sec1.pem ec-sec1.der ec384.pem rsa3072.pem \
         ec-enc.pem rsa-enc.der rsa.p12 ec-nopass.pfx; do
  case $k in *enc*) ps=env:KEYPASS ;; *.p12) ps=env:P12PASS ;; *) ps=env:WRONG ;; esac
  run "$TSIGN" csr --key "$k" --pin-source "$ps" --subject "/CN=علی رضایی/O=شهرداری تهران/C=IR" --out "$k.csr"
  expect_rc 0 "csr with $k"
  check "openssl req -verify accepts the CSR of $k" openssl req -in "$k.csr" -inform DER -verify -noout
  subj=$(openssl req -in "$k.csr" -inform DER -noout -subject -nameopt utf8 2>/dev/null)
  if [ "$subj" = "subject=CN=علی رضایی, O=شهرداری تهران, C=IR" ]; then ok "Persian subject read back by openssl ($k)"; else fail "subject of $k: $subj"; fi
done

# PEM output, PSS and SHA-384
run "$TSIGN" csr --key rsa-p8.pem --subject "/CN=سارا احمدی/C=IR" --pss --digest sha384 --pem --email sara@example.ir --out pss.csr
expect_rc 0 "RSA-PSS CSR"
check "openssl verifies the RSA-PSS CSR" openssl req -in pss.csr -verify -noout
check "the CSR is RSA-PSS" grep -q . <(openssl req -in pss.csr -noout -text | grep -i "rsassaPss")
check "GnuTLS certtool reads the CSR" certtool --crq-info --infile pss.csr

# --- key/cert pairs ---
run "$TSIGN" csr --key rsa-p8.pem --cert rsa.crt --subject /CN=x --out match.csr
expect_rc 0 "matching --cert accepted"
run "$TSIGN" csr --key ec-p8.pem --cert rsa.crt --subject /CN=x --out mismatch.csr
expect_rc 4 "key/cert mismatch refused"
expect_err_contains "does not match certificate" "mismatch wording"
expect_one_line_error "mismatch"
expect_absent mismatch.csr "nothing written on mismatch"

# --- error paths ---
run "$TSIGN" csr --key rsa.p12 --pin-source env:WRONG --subject /CN=x --out wrongpass.csr
expect_rc 4 "PKCS#12 with a wrong passphrase"
expect_err_contains "wrong passphrase" "PKCS#12 wrong passphrase wording"
expect_absent wrongpass.csr "nothing written after a wrong PKCS#12 passphrase"
run "$TSIGN" csr --key ec-enc.pem --pin-source env:WRONG --subject /CN=x --out wrongpass2.csr
expect_rc 4 "encrypted PKCS#8 with a wrong passphrase"
run "$TSIGN" csr --key ec-enc.pem --pin-source env:UNSET_VARIABLE --subject /CN=x --out nopass.csr
expect_rc 4 "no passphrase available"
expect_err_contains "UNSET_VARIABLE" "missing passphrase says which variable"
run "$TSIGN" csr --key ec-enc.pem --subject /CN=x --out noprompt.csr </dev/null
expect_rc 4 "no terminal to prompt on"
expect_err_contains "--pin-source" "hint names --pin-source"

head -c 300 rsa-p8.der >trunc.der
run "$TSIGN" csr --key trunc.der --subject /CN=x --out trunc.csr
expect_rc 3 "truncated DER key"
expect_one_line_error "truncated key"
expect_absent trunc.csr "nothing written for a truncated key"
head -n 5 rsa-p8.pem >trunc.pem
run "$TSIGN" csr --key trunc.pem --subject /CN=x --out trunc2.csr
expect_rc 3 "truncated PEM key"
printf 'this is not a key\n' >junk.key
run "$TSIGN" csr --key junk.key --subject /CN=x --out junk.csr
expect_rc 3 "malformed key"
head -c 200 rsa.p12 >trunc.p12
run "$TSIGN" csr --key trunc.p12 --pin-source env:P12PASS --subject /CN=x --out tp12.csr
expect_rc 3 "truncated PKCS#12"
run "$TSIGN" csr --key missing.pem --subject /CN=x
expect_rc 3 "missing key file"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out weak.pem 2>/dev/null
run "$TSIGN" csr --key weak.pem --subject /CN=x --out weak.csr
expect_rc 3 "RSA 1024 refused"
expect_err_contains "too weak" "weak key wording"
run "$TSIGN" csr --key rsa-p8.pem --subject 'CN=no slash' --out bad.csr
expect_rc 2 "malformed subject is a usage error"
run "$TSIGN" csr --key rsa-p8.pem --subject /CN=x --pin-source 123456 --out pin.csr
expect_rc 2 "a plain PIN value is refused"
run "$TSIGN" csr --key rsa-p8.pem --subject /CN=x --out match.csr
expect_rc 3 "existing output not overwritten"
expect_err_contains "--force" "overwrite hint"
run "$TSIGN" csr --key rsa-p8.pem --subject /CN=x --out match.csr --force
expect_rc 0 "--force replaces"
run "$TSIGN" csr --key rsa-p8.pem --subject /CN=x --out nodir/x.csr
expect_rc 3 "unwritable output folder"
check "no temporary files left behind" test -z "$(ls -A | grep '\.tmp-' || true)"

# --- key gen ---
run "$TSIGN" key gen --type ec-p256 --out gen-ec.der
expect_rc 0 "key gen ec-p256"
check "key file is mode 0600" test "$(stat -c %a gen-ec.der)" = 600
check "openssl reads the generated DER PKCS#8" openssl pkey -inform DER -in gen-ec.der -noout
expect_err_contains "not encrypted" "warning about an unencrypted key"
for t in rsa2048 rsa3072 ec-p384; do
  run "$TSIGN" key gen --type $t --out gen-$t.pem --pem
  expect_rc 0 "key gen $t"
  check "openssl checks the $t key" openssl pkey -in gen-$t.pem -check -noout
done
run "$TSIGN" key gen --type ec-p384 --out gen-enc.pem --pem --encrypt --pin-source env:KEYPASS
expect_rc 0 "key gen --encrypt"
check "encrypted key is PBES2 / AES-256" grep -q "ENCRYPTED PRIVATE KEY" gen-enc.pem
check "openssl decrypts it with the passphrase" openssl pkey -in gen-enc.pem -passin pass:s3cret-pass -noout
check_not "openssl refuses a wrong passphrase" openssl pkey -in gen-enc.pem -passin pass:nope -noout
run "$TSIGN" key gen --type ec-p256 --out gen-ec.der
expect_rc 3 "key gen does not overwrite"
run "$TSIGN" key gen --type dsa1024 --out x.der
expect_rc 2 "unknown key type"
run "$TSIGN" key gen --type ec-p256 --out gen-noprompt.der --encrypt </dev/null
expect_rc 4 "no passphrase for --encrypt without a terminal"
expect_absent gen-noprompt.der "nothing written without a passphrase"

finish
