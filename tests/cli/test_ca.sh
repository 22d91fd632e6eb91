#!/usr/bin/env bash
# The CA: a root with an encrypted file key, an intermediate whose key was generated on a SoftHSM2
# token; certificates for every profile checked by openssl verify and GnuTLS certtool; CRLs checked
# by openssl crl -verify and openssl verify -crl_check; CSR refusals; the audit log; parallel issuers;
# SIGKILL during issuance.
source "$(dirname "$0")/lib.sh"
cd "$W"
export ROOT_PASS=root-passphrase CA_PIN=123456
new_token ca "$CA_PIN"
new_token member 654321
export MEMBER_PIN=654321

run "$TSIGN" ca init --dir root --subject "/CN=مرکز صدور گواهی ریشه آزمایشی/O=شهرداری/C=IR" --key-type ec-p384 --pin-source env:ROOT_PASS
expect_rc 0 "root CA with a new encrypted key file"
check "root key is encrypted" grep -q "ENCRYPTED PRIVATE KEY" root/ca.key
check "root key is mode 0600" test "$(stat -c %a root/ca.key)" = 600
check "root certificate is a self-signed CA" openssl verify -CAfile root/ca.crt.pem root/ca.crt.pem
run "$TSIGN" ca init --dir root --subject /CN=again --key-type ec-p256 --pin-source env:ROOT_PASS
expect_rc 3 "a second CA in the same folder is refused"

run "$TSIGN" token keygen --token ca --label sub-ca --type ec-p256 --pin-source env:CA_PIN
expect_rc 0 "intermediate key generated on the token"
run "$TSIGN" ca init --dir sub --subject "/CN=مرکز صدور گواهی میانی آزمایشی/O=شهرداری/C=IR" --key "pkcs11:token=ca;object=sub-ca" \
  --pin-source env:CA_PIN --parent root --parent-pin-source env:ROOT_PASS \
  --crl-url http://127.0.0.1:18080/crl --ocsp-url http://127.0.0.1:18080/ocsp
expect_rc 0 "intermediate CA with its key on the token"
check "openssl: intermediate chains to the root" openssl verify -CAfile root/ca.crt.pem sub/ca.crt.pem
check "intermediate is CA:TRUE, pathlen 0" grep -q "CA:TRUE, pathlen:0" <(openssl x509 -in sub/ca.crt.pem -noout -ext basicConstraints)
check "the config names the token key, no key file" test ! -e sub/ca.key
check "the root recorded the intermediate" test "$("$TSIGN" ca list --dir root --json | jq -r '.certificates[0].profile')" = intermediate

# --- certificates for every profile ---
"$TSIGN" key gen --type ec-p256 --out tsa.key >/dev/null 2>&1
"$TSIGN" key gen --type rsa2048 --out ocsp.key >/dev/null 2>&1
"$TSIGN" token keygen --token member --label sign --type ec-p256 --pin-source env:MEMBER_PIN >/dev/null
"$TSIGN" csr --key "pkcs11:token=member;object=sign" --pin-source env:MEMBER_PIN --subject "/CN=علی رضایی/O=شهرداری/C=IR" --email ali@example.ir --out ali.csr
"$TSIGN" csr --key tsa.key --subject "/CN=TSA/C=IR" --out tsa.csr
"$TSIGN" csr --key ocsp.key --subject "/CN=OCSP/C=IR" --out ocsp.csr
for p in signer:ali tsa:tsa ocsp:ocsp; do
  prof=${p%%:*}; n=${p#*:}
  run "$TSIGN" ca issue --dir sub --csr "$n.csr" --profile "$prof" --pem --out "$n.crt" --pin-source env:CA_PIN
  expect_rc 0 "issue a $prof certificate"
  check "openssl verify: $prof certificate" openssl verify -CAfile root/ca.crt.pem -untrusted sub/ca.crt.pem "$n.crt"
  check "certtool --verify-chain: $prof certificate" grep -q "Verified" <(certtool --verify-chain --infile <(cat "$n.crt" sub/ca.crt.pem root/ca.crt.pem) 2>&1)
done
check "signer: digitalSignature + nonRepudiation" grep -q "Digital Signature, Non Repudiation" <(openssl x509 -in ali.crt -noout -ext keyUsage)
check "signer: id-kp-documentSigning (RFC 9336) and emailProtection" grep -qE "1\.3\.6\.1\.5\.5\.7\.3\.36|Document Signing" <(openssl x509 -in ali.crt -noout -ext extendedKeyUsage)
check "signer: emailProtection (openssl cms and NSS accept the signer)" grep -q "E-mail Protection" <(openssl x509 -in ali.crt -noout -ext extendedKeyUsage)
check "signer: tsign accepts it for signing" "$TSIGN" cert verify --trust root/ca.crt.pem --untrusted sub/ca.crt.pem --purpose signing --offline ali.crt
check_not "tsa: tsign refuses it for signing (critical timeStamping EKU)" "$TSIGN" cert verify --trust root/ca.crt.pem --untrusted sub/ca.crt.pem --purpose signing --offline tsa.crt
check "signer: the requested e-mail SAN is kept" grep -q "email:ali@example.ir" <(openssl x509 -in ali.crt -noout -ext subjectAltName)
check "signer: CRL distribution point" grep -q "http://127.0.0.1:18080/crl" <(openssl x509 -in ali.crt -noout -ext crlDistributionPoints)
check "signer: AIA OCSP" grep -q "OCSP - URI:http://127.0.0.1:18080/ocsp" <(openssl x509 -in ali.crt -noout -ext authorityInfoAccess)
check "signer: Persian subject" test "$(openssl x509 -in ali.crt -noout -subject -nameopt utf8)" = "subject=CN=علی رضایی, O=شهرداری, C=IR"
check "tsa: critical timeStamping EKU" grep -A1 "Extended Key Usage: critical" <(openssl x509 -in tsa.crt -noout -text) 
check "tsa: timeStamping" grep -q "Time Stamping" <(openssl x509 -in tsa.crt -noout -ext extendedKeyUsage)
check "tsa: tsign accepts it for timestamping" "$TSIGN" cert verify --trust root/ca.crt.pem --untrusted sub/ca.crt.pem --purpose timestamping tsa.crt
check "ocsp: OCSPSigning and no-check" grep -q "OCSP No Check" <(openssl x509 -in ocsp.crt -noout -text)
serial_len=$(openssl x509 -in ali.crt -noout -serial | cut -d= -f2 | tr -d '\n' | wc -c)
check "serial has at least 64 random bits ($serial_len hex digits)" test "$serial_len" -ge 30
not_after_ca=$(date -d "$(openssl x509 -in sub/ca.crt.pem -noout -enddate | cut -d= -f2)" +%s)
run "$TSIGN" ca issue --dir sub --csr tsa.csr --profile tsa --days 3650 --pem --out long.crt --pin-source env:CA_PIN
expect_rc 0 "a long-lived TSA certificate"
check "a certificate never outlives its issuer" test "$(date -d "$(openssl x509 -in long.crt -noout -enddate | cut -d= -f2)" +%s)" -le "$not_after_ca"

# the signer's certificate goes on the token and signs a CAdES signature that openssl accepts
"$TSIGN" token import-cert --token member --label sign --id "$("$TSIGN" token keys --token member --pin-source env:MEMBER_PIN --json | jq -r '.objects[0].id')" --pin-source env:MEMBER_PIN ali.crt >/dev/null
printf 'صورتجلسه\n' >doc.txt
run "$TSIGN" sign --key "pkcs11:token=member;object=sign" --pin-source env:MEMBER_PIN --chain sub/ca.crt.pem doc.txt
expect_rc 0 "sign with the CA-issued certificate on the token"
check "openssl cms -verify with the CA's root" openssl cms -verify -binary -inform DER -in doc.txt.p7s -content doc.txt -CAfile root/ca.crt.pem -out /dev/null

# --- CSR refusals: one line, exit 3, nothing written ---
openssl req -new -newkey rsa:1024 -nodes -keyout weak.key -subj "/CN=weak" -out weak.csr 2>/dev/null
run "$TSIGN" ca issue --dir sub --csr weak.csr --out weak.crt --pin-source env:CA_PIN
expect_rc 3 "RSA 1024 CSR refused"; expect_one_line_error "weak CSR"; expect_absent weak.crt "nothing written for a weak CSR"
openssl req -in ali.csr -inform DER -outform DER -out bad.csr
size=$(stat -c %s bad.csr); b=$(od -An -tu1 -j $((size - 10)) -N1 bad.csr | tr -d ' ')
printf "\\x$(printf %02x $((b ^ 255)))" | dd of=bad.csr bs=1 seek=$((size - 10)) conv=notrunc 2>/dev/null  # a byte of the signature, flipped
run "$TSIGN" ca issue --dir sub --csr bad.csr --out bad.crt --pin-source env:CA_PIN
expect_rc 3 "CSR with a broken self-signature refused"; expect_err_contains "self-signature" "self-signature wording"
run "$TSIGN" ca issue --dir sub --csr tsa.csr --profile intermediate --out x.crt --pin-source env:CA_PIN
expect_rc 0 "an EC P-256 intermediate is allowed"
"$TSIGN" key gen --type rsa2048 --out r2.key >/dev/null 2>&1; "$TSIGN" csr --key r2.key --subject /CN=r2 --out r2.csr
run "$TSIGN" ca issue --dir sub --csr r2.csr --profile intermediate --out r2.crt --pin-source env:CA_PIN
expect_rc 3 "RSA 2048 not allowed by the intermediate profile"; expect_err_contains "does not allow rsa2048" "profile key-type wording"
run "$TSIGN" ca issue --dir sub --csr ali.csr --days 5000 --out y.crt --pin-source env:CA_PIN
expect_rc 3 "validity above the profile's maximum"; expect_absent y.crt "nothing written"
"$TSIGN" csr --key tsa.key --subject "/O=no common name/C=IR" --out nocn.csr
run "$TSIGN" ca issue --dir sub --csr nocn.csr --out nocn.crt --pin-source env:CA_PIN
expect_rc 3 "a subject without CN refused by the profile"
head -c 100 ali.csr >trunc.csr
run "$TSIGN" ca issue --dir sub --csr trunc.csr --pin-source env:CA_PIN
expect_rc 3 "truncated CSR"
run "$TSIGN" ca issue --dir sub --csr ali.csr --profile nosuch --pin-source env:CA_PIN
expect_rc 2 "unknown profile"
run "$TSIGN" ca issue --dir sub --csr ali.csr --pin-source env:ROOT_PASS
expect_rc 4 "wrong token PIN for the CA key"

# --- revocation and CRLs ---
ALI=$(openssl x509 -in ali.crt -noout -serial | cut -d= -f2)
TSA=$(openssl x509 -in tsa.crt -noout -serial | cut -d= -f2)
run "$TSIGN" ca revoke --dir sub --serial "$ALI" --reason keyCompromise
expect_rc 0 "revoke (keyCompromise)"
run "$TSIGN" ca revoke --dir sub --serial "$TSA" --reason certificateHold
expect_rc 0 "hold"
run "$TSIGN" ca revoke --dir sub --serial "$ALI" --reason superseded
expect_rc 3 "revoking twice is refused (input error naming the revocation, not a usage error)"
expect_err_contains "refusing to revoke certificate $ALI: it is revoked on" "revoking twice: the serial and the revocation are named"
run "$TSIGN" ca revoke --dir sub --serial 0BADC0DE --reason keyCompromise
expect_rc 3 "unknown serial"
run "$TSIGN" ca revoke --dir sub --serial "$TSA" --reason notAReason
expect_rc 2 "unknown reason"
run "$TSIGN" ca crl --dir sub --out sub1.crl --pin-source env:CA_PIN
expect_rc 0 "CRL 1"
check "openssl crl -verify" openssl crl -inform DER -in sub1.crl -CAfile sub/chain.pem -noout -verify
check "CRL number 1" test "$(openssl crl -inform DER -in sub1.crl -noout -crlnumber)" = crlNumber=0x01
check "CRL has nextUpdate and AKI" grep -q "Authority Key Identifier" <(openssl crl -inform DER -in sub1.crl -noout -text)
check "CRL lists the hold with its reason" grep -q "Certificate Hold" <(openssl crl -inform DER -in sub1.crl -noout -text)
check "CRL lists the key compromise" grep -q "Key Compromise" <(openssl crl -inform DER -in sub1.crl -noout -text)
openssl crl -inform DER -in sub1.crl -out sub1.pem
check_not "openssl verify -crl_check rejects the revoked certificate" openssl verify -crl_check -CAfile root/ca.crt.pem -untrusted sub/ca.crt.pem -CRLfile sub1.pem ali.crt
check "openssl verify -crl_check accepts the OCSP certificate" openssl verify -crl_check -CAfile root/ca.crt.pem -untrusted sub/ca.crt.pem -CRLfile sub1.pem ocsp.crt
run "$TSIGN" ca unrevoke --dir sub --serial "$ALI"
expect_rc 3 "only a hold can be released"
run "$TSIGN" ca unrevoke --dir sub --serial "$TSA"
expect_rc 0 "release the hold"
run "$TSIGN" ca crl --dir sub --out sub2.crl --next-update 48 --pin-source env:CA_PIN
check "CRL number 2" test "$(openssl crl -inform DER -in sub2.crl -noout -crlnumber)" = crlNumber=0x02
check "the released hold is gone from CRL 2" bash -c "! openssl crl -inform DER -in sub2.crl -noout -text | grep -q 'Certificate Hold'"
run "$TSIGN" ca list --dir sub --status revoked --json
check "list --status revoked" test "$(jq '.certificates | length' out)" = 1
check "list JSON fields" test "$(jq -r '.certificates[0] | has("serial") and has("subject") and has("not_before") and has("not_after") and has("status") and has("profile")' out)" = true
run "$TSIGN" verify --trust root/ca.crt.pem --crl sub2.crl --crl <("$TSIGN" ca crl --dir root --pin-source env:ROOT_PASS) --json doc.txt.p7s doc.txt
expect_rc 1 "tsign verify: the signer was revoked"
check "tsign verify says revoked" test "$(jq -r '.signers[0].revocation' out)" = revoked

# --- the audit log ---
run "$TSIGN" ca audit --dir sub --verify --json
expect_rc 0 "audit chain intact"
check "audit has init, issue, revoke, crl, unrevoke" test "$(jq -r '[.entries[].action] | unique | sort | join(",")' out)" = "crl,init,issue,revoke,unrevoke"
check_not "the audit log refuses an UPDATE" sqlite3 sub/ca.db "UPDATE audit SET details = 'x' WHERE id = 2"
sqlite3 sub/ca.db "DROP TRIGGER audit_append_only_u; UPDATE audit SET details = 'serial=00 tampered' WHERE id = 2"
run "$TSIGN" ca audit --dir sub --verify
expect_rc 1 "a tampered audit log is detected"
expect_out_contains "BROKEN" "the broken entry is shown"

# --- two issuers at once never collide ---
"$TSIGN" key gen --type ec-p256 --out p.key >/dev/null 2>&1; "$TSIGN" csr --key p.key --subject /CN=parallel --out p.csr
before=$(sqlite3 root/ca.db "SELECT COUNT(*) FROM certificates")
for j in 1 2; do (for i in $(seq 1 15); do "$TSIGN" ca issue --dir root --csr p.csr --pin-source env:ROOT_PASS >/dev/null 2>>"par$j.err" || echo fail >>"par$j.err"; done) & done
wait
check "parallel issuers: no failures" bash -c "! grep -hv '^issued [0-9A-F]* (signer) to CN=parallel' par1.err par2.err | grep -q ."
check "parallel issuers: every issue reported" test "$(cat par1.err par2.err | grep -c '^issued ')" = 30
check "parallel issuers: 30 new rows" test "$(sqlite3 root/ca.db "SELECT COUNT(*) FROM certificates")" = $((before + 30))
check "serials are unique" test "$(sqlite3 root/ca.db "SELECT COUNT(DISTINCT serial) FROM certificates")" = "$(sqlite3 root/ca.db "SELECT COUNT(*) FROM certificates")"

# --- SIGKILL at random points during issuance ---
for i in $(seq 1 25); do
  "$TSIGN" ca issue --dir root --csr p.csr --pin-source env:ROOT_PASS >/dev/null 2>&1 &
  pid=$!
  sleep "0.0$((RANDOM % 9))"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
done
check "database intact after SIGKILLs" test "$(sqlite3 root/ca.db "PRAGMA integrity_check")" = ok
check "no serial repeats" test "$(sqlite3 root/ca.db "SELECT COUNT(*) - COUNT(DISTINCT serial) FROM certificates")" = 0
missing=0
for f in root/certs/*.pem; do
  s=$(basename "$f" .pem)
  [ "$(sqlite3 root/ca.db "SELECT COUNT(*) FROM certificates WHERE serial = '$s'")" = 1 ] || missing=$((missing + 1))
  case "$f" in *.tmp-*) missing=$((missing + 1)) ;; esac
done
check "every certificate file has its row" test "$missing" = 0
run "$TSIGN" ca audit --dir root --verify
expect_rc 0 "audit chain intact after SIGKILLs"
run "$TSIGN" ca issue --dir root --csr p.csr --pin-source env:ROOT_PASS
expect_rc 0 "the CA works after the SIGKILLs"
finish
