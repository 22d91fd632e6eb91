#!/usr/bin/env bash
# Signing, co-signing and verification of a tender minute. Every signature tsign writes is checked
# by `openssl cms -verify` and NSS `cmsutil -D`; signatures made by `openssl cms -sign -cades` are
# checked by `tsign verify`; each rejection has its own exit code and ETSI sub-indication.
source "$(dirname "$0")/lib.sh"
cd "$W"
bash "$TSIGN_SOURCE/certs-sample/make-sample.sh" "$W/s" >/dev/null
S=$W/s
export SAMPLE_PASS=tsign-sample PIN=123456
printf 'صورتجلسه جلسه بازگشایی پاکات مناقصه شماره ۱۴۰۵-۱۲\nحاضران: اعضای کمیسیون\n' >minutes.txt
TRUST=(--trust "$S/root.crt.pem" --untrusted "$S/intermediate.crt.pem")
key() { echo --key "$S/signer-$1.key.pem" --cert "$S/signer-$1.crt.pem" --pin-source env:SAMPLE_PASS; }

# NSS database trusting the sample root, for cmsutil
mkdir nss && certutil -N -d sql:nss --empty-password && certutil -A -n root -t "C,C,C" -i "$S/root.crt.pem" -d sql:nss && certutil -A -n intermediate -t ",," -i "$S/intermediate.crt.pem" -d sql:nss
nss_good() {  # nss_good SIG N [CONTENT]: cmsutil finds N signers, all GoodSignature
  local c=(); [ -n "${3:-}" ] && c=(-c "$3")
  cmsutil -D -i "$1" "${c[@]}" -d sql:nss -n -h 3 >nss.out 2>&1
  local good; good=$(grep -o 'status=GoodSignature' nss.out | wc -l)
  if [ "$good" -eq "$2" ] && grep -q "nsigners=$2;" nss.out; then ok "cmsutil: $2 good signatures in $1"; else fail "cmsutil on $1: $(cat nss.out)"; fi
}
ossl_good() {  # ossl_good SIG [CONTENT]
  local c=(); [ -n "${2:-}" ] && c=(-content "$2")
  check "openssl cms -verify accepts $1" openssl cms -verify -binary -inform DER -in "$1" "${c[@]}" -CAfile "$S/root.crt.pem" -out /dev/null
}

# --- one, two, three commission members (file keys: EC, RSA-PSS, EC with SHA-384) ---
# shellcheck disable=SC2046
run "$TSIGN" sign $(key ali-rezaei) --chain "$S/intermediate.crt.pem" minutes.txt
expect_rc 0 "first signature"
check "default output DOC.p7s" test -s minutes.txt.p7s
ossl_good minutes.txt.p7s minutes.txt
nss_good minutes.txt.p7s 1 minutes.txt
check "signing-certificate-v2 present" grep -q "id-smime-aa-signingCertificateV2" <(openssl cms -cmsout -print -inform DER -in minutes.txt.p7s)
cp minutes.txt.p7s one.p7s
run "$TSIGN" verify "${TRUST[@]}" --json minutes.txt.p7s minutes.txt
expect_rc 0 "tsign verify: one signer"
check "JSON valid" test "$(jq -r .valid out)" = true
check "JSON subject in UTF-8" test "$(jq -r '.signers[0].subject' out)" = "CN=علی رضایی, OU=کمیسیون مناقصه, O=شهرداری نمونه (TEST ONLY), C=IR"
check "JSON TOTAL_PASSED" test "$(jq -r '.signers[0].indication' out)" = TOTAL_PASSED
check "JSON chain of 3" test "$(jq '.signers[0].chain | length' out)" = 3
check "JSON CAdES" test "$(jq -r '.signers[0].cades' out)" = true
check "JSON has signing_time, timestamp_time, revocation" test "$(jq -r '.signers[0] | has("signing_time") and has("timestamp_time") and .revocation == "not_checked"' out)" = true

# shellcheck disable=SC2046
run "$TSIGN" cosign --signature minutes.txt.p7s --content minutes.txt $(key sara-ahmadi) --pss
expect_rc 0 "second member co-signs (RSA-PSS)"
ossl_good minutes.txt.p7s minutes.txt
nss_good minutes.txt.p7s 2 minutes.txt
# the first SignerInfo is byte for byte in the new file: the SignerInfo is the first element of the
# signerInfos SET, the last depth-3 item of one.p7s
hexof() { od -An -v -tx1 "$@" | tr -d ' \n'; }
si=$(openssl asn1parse -inform DER -in one.p7s | awk '/d=3/ {last=$0} END {print last}')
si_off=$(echo "$si" | cut -d: -f1 | tr -d ' ')
si_hl=$(echo "$si" | sed 's/.*hl= *\([0-9]*\).*/\1/')
first=$(openssl asn1parse -inform DER -in one.p7s | awk -v o="$si_off" -F: '$1+0 > o+0 && /d=4/ {print; exit}')
f_off=$(echo "$first" | cut -d: -f1 | tr -d ' ')
f_len=$(echo "$first" | sed 's/.*hl= *\([0-9]*\) *l= *\([0-9]*\).*/\1 \2/' | awk '{print $1+$2}')
old_si=$(hexof -j "$f_off" -N "$f_len" one.p7s)
if [ -n "$old_si" ] && [ "${#old_si}" -gt 200 ] && [[ "$(hexof minutes.txt.p7s)" == *"$old_si"* ]]; then
  ok "the first SignerInfo ($f_len bytes) is unchanged after co-signing"
else
  fail "the first SignerInfo changed (offset $f_off, length $f_len)"
fi
# shellcheck disable=SC2046
run "$TSIGN" cosign --signature minutes.txt.p7s --content minutes.txt $(key maryam-karimi) --digest sha384 --out three.p7s
expect_rc 0 "third member co-signs (SHA-384) to a new file"
ossl_good three.p7s minutes.txt
nss_good three.p7s 3 minutes.txt
run "$TSIGN" verify "${TRUST[@]}" three.p7s minutes.txt
expect_rc 0 "tsign verify: three signers"
expect_out_contains "Result: VALID (3 of 3" "human report"
expect_out_contains "(1405/" "human report shows the Jalali date"

# shellcheck disable=SC2046
run "$TSIGN" cosign --signature three.p7s --content minutes.txt $(key maryam-karimi)
expect_rc 3 "the same member twice is refused"
expect_err_contains "has signed this document already" "already-signed wording"
# shellcheck disable=SC2046
run "$TSIGN" cosign --signature three.p7s --content minutes.txt $(key maryam-karimi) --allow-same-signer --out four.p7s
expect_rc 0 "--allow-same-signer allows it"
printf 'altered\n' >altered.txt
# shellcheck disable=SC2046
run "$TSIGN" cosign --signature one.p7s --content altered.txt $(key sara-ahmadi) --out x.p7s
expect_rc 3 "co-signing a different document is refused"
expect_absent x.p7s "nothing written when the document differs"
# shellcheck disable=SC2046
run "$TSIGN" cosign --signature one.p7s $(key sara-ahmadi) --out y.p7s
expect_rc 2 "detached co-sign needs the document"

# --- attached, digests ---
# shellcheck disable=SC2046
run "$TSIGN" sign $(key sara-ahmadi) --chain "$S/intermediate.crt.pem" --attached --digest sha512 --out attached.p7m minutes.txt
expect_rc 0 "attached SHA-512 signature"
check "openssl extracts the content" cmp <(openssl cms -verify -binary -inform DER -in attached.p7m -CAfile "$S/root.crt.pem" 2>/dev/null) minutes.txt
nss_good attached.p7m 1
# shellcheck disable=SC2046
run "$TSIGN" cosign --signature attached.p7m $(key ali-rezaei)
expect_rc 0 "co-sign an attached signature"
ossl_good attached.p7m
nss_good attached.p7m 2
run "$TSIGN" verify "${TRUST[@]}" attached.p7m
expect_rc 0 "verify attached without the document"
run "$TSIGN" verify "${TRUST[@]}" attached.p7m altered.txt
expect_rc 1 "attached signature and a different document"
run "$TSIGN" sign $(key ali-rezaei) --chain "$S/intermediate.crt.pem" --pem --out pem.p7s minutes.txt
expect_rc 0 "PEM output"
check "PEM signature verifies with openssl" openssl cms -verify -binary -inform PEM -in pem.p7s -content minutes.txt -CAfile "$S/root.crt.pem" -out /dev/null
run "$TSIGN" verify "${TRUST[@]}" pem.p7s minutes.txt
expect_rc 0 "tsign verifies PEM input"

# --- a signature by openssl cms -sign -cades is accepted ---
openssl pkey -in "$S/signer-ali-rezaei.key.pem" -passin env:SAMPLE_PASS -out ali.key 2>/dev/null
openssl cms -sign -cades -binary -in minutes.txt -signer "$S/signer-ali-rezaei.crt.pem" -inkey ali.key -certfile "$S/intermediate.crt.pem" -outform DER -out ossl.p7s
run "$TSIGN" verify "${TRUST[@]}" --json ossl.p7s minutes.txt
expect_rc 0 "tsign verifies openssl's CAdES signature"
check "openssl's signature counts as CAdES" test "$(jq -r '.signers[0].cades' out)" = true
# shellcheck disable=SC2046
run "$TSIGN" cosign --signature ossl.p7s --content minutes.txt $(key sara-ahmadi) --out ossl2.p7s
expect_rc 0 "co-sign openssl's signature"
ossl_good ossl2.p7s minutes.txt

# --- rejections ---
run "$TSIGN" verify "${TRUST[@]}" --json three.p7s altered.txt
expect_rc 1 "altered document"
check "HASH_FAILURE for every signer" test "$(jq -r '[.signers[].sub_indication] | unique | join(",")' out)" = HASH_FAILURE
check "TOTAL_FAILED" test "$(jq -r '.signers[0].indication' out)" = TOTAL_FAILED
# altered signed attributes: change one digit of the signing time inside the DER
off=$(openssl asn1parse -inform DER -in one.p7s | grep -A2 ":signingTime" | grep UTCTIME | head -1 | cut -d: -f1 | tr -d ' ')
hl=$(openssl asn1parse -inform DER -in one.p7s | grep -A2 ":signingTime" | grep UTCTIME | head -1 | sed 's/.*hl=\([0-9]*\).*/\1/')
cp one.p7s attr.p7s
pos=$((off + hl + 11))
orig=$(dd if=one.p7s bs=1 skip=$pos count=1 2>/dev/null)
new=$([ "$orig" = 1 ] && echo 2 || echo 1)
printf '%s' "$new" | dd of=attr.p7s bs=1 seek=$pos conv=notrunc 2>/dev/null
run "$TSIGN" verify "${TRUST[@]}" --json attr.p7s minutes.txt
expect_rc 1 "altered signed attributes"
check "SIG_CRYPTO_FAILURE" test "$(jq -r '.signers[0].sub_indication' out)" = SIG_CRYPTO_FAILURE
check_not "openssl rejects it too" openssl cms -verify -binary -inform DER -in attr.p7s -content minutes.txt -CAfile "$S/root.crt.pem" -out /dev/null
# weak digest (SHA-1) made by openssl
openssl cms -sign -binary -md sha1 -in minutes.txt -signer "$S/signer-ali-rezaei.crt.pem" -inkey ali.key -outform DER -out sha1.p7s
run "$TSIGN" verify "${TRUST[@]}" --untrusted "$S/intermediate.crt.pem" --json sha1.p7s minutes.txt
expect_rc 1 "SHA-1 message digest refused"
check "CRYPTO_CONSTRAINTS_FAILURE_NO_POE for SHA-1 (accepted until 2009, nothing proves an earlier time)" test "$(jq -r '.signers[0].sub_indication' out)" = CRYPTO_CONSTRAINTS_FAILURE_NO_POE
check "finding signer:algorithm_expired" test "$(jq -r '[.signers[0].findings[] | .scope + ":" + .code] | join(",")' out)" = "signer:algorithm_expired"
# a 1024-bit RSA signer and a signer whose certificate had expired before signing, issued with openssl ca
mkdir -p ca/new && touch ca/index.txt && echo 1000 >ca/serial && echo 1000 >ca/crlnumber
cat >ca.cnf <<CNF
[ca]
default_ca=d
[d]
database=$W/ca/index.txt
new_certs_dir=$W/ca/new
serial=$W/ca/serial
crlnumber=$W/ca/crlnumber
default_md=sha256
default_crl_days=7
policy=p
x509_extensions=ext
unique_subject=no
[p]
commonName=supplied
[ext]
keyUsage=critical,digitalSignature,nonRepudiation
basicConstraints=critical,CA:FALSE
CNF
CA=(openssl ca -batch -notext -config ca.cnf -cert "$S/intermediate.crt.pem" -keyfile "$S/intermediate.key.pem" -passin env:SAMPLE_PASS)
openssl req -new -newkey rsa:1024 -nodes -keyout weak.key -subj "/CN=weak" -out weak.csr 2>/dev/null
"${CA[@]}" -in weak.csr -days 30 -out weak.crt 2>/dev/null
openssl cms -sign -binary -in minutes.txt -signer weak.crt -inkey weak.key -certfile "$S/intermediate.crt.pem" -outform DER -out weak.p7s
run "$TSIGN" verify "${TRUST[@]}" --json weak.p7s minutes.txt
expect_rc 1 "RSA 1024 signer refused"
check "weak key reported: chain:algorithm_expired at depth 0" test "$(jq -r '[.signers[0].findings[] | select(.code == "algorithm_expired" and .scope == "chain") | .depth] | join(",")' out)" = "0"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout old.key -subj "/CN=old" -out old.csr 2>/dev/null
"${CA[@]}" -in old.csr -startdate 20200101000000Z -enddate 20210101000000Z -out old.crt 2>/dev/null
openssl cms -sign -binary -in minutes.txt -signer old.crt -inkey old.key -certfile "$S/intermediate.crt.pem" -outform DER -out old.p7s
run "$TSIGN" verify "${TRUST[@]}" --json old.p7s minutes.txt
expect_rc 1 "certificate expired before the signing time"
check "OUT_OF_BOUNDS_NO_POE" test "$(jq -r '.signers[0].sub_indication' out)" = OUT_OF_BOUNDS_NO_POE
run "$TSIGN" verify "${TRUST[@]}" --at 2099-01-01 --json three.p7s minutes.txt
expect_rc 1 "validated at a time after the certificates expired (--at)"
# a signer certificate whose key usage does not allow signing
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout enc.key -subj "/CN=enc" -out enc.csr 2>/dev/null
printf 'keyUsage=critical,keyAgreement\nbasicConstraints=critical,CA:FALSE\n' >enc.ext
openssl x509 -req -in enc.csr -CA "$S/intermediate.crt.pem" -CAkey "$S/intermediate.key.pem" -passin env:SAMPLE_PASS -set_serial 77 -days 30 -extfile enc.ext -out enc.crt 2>/dev/null
openssl cms -sign -binary -in minutes.txt -signer enc.crt -inkey enc.key -certfile "$S/intermediate.crt.pem" -outform DER -out enc.p7s
run "$TSIGN" verify "${TRUST[@]}" --json enc.p7s minutes.txt
expect_rc 1 "a certificate without digitalSignature / nonRepudiation cannot sign"
check "key usage named in the errors" grep -q "key usage" out
# a chain that does not reach the trust anchor
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other.key -subj "/CN=Other Root" -days 30 -out other.crt 2>/dev/null
run "$TSIGN" verify --trust other.crt --untrusted "$S/intermediate.crt.pem" --json three.p7s minutes.txt
expect_rc 1 "untrusted chain"
check "NO_CERTIFICATE_CHAIN_FOUND" test "$(jq -r '.signers[0].sub_indication' out)" = NO_CERTIFICATE_CHAIN_FOUND
# a revoked signer (CRL from openssl ca)
"${CA[@]}" -revoke "$S/signer-sara-ahmadi.crt.pem" -crl_reason keyCompromise 2>/dev/null
"${CA[@]}" -gencrl -out inter.crl 2>/dev/null
run "$TSIGN" verify "${TRUST[@]}" --crl inter.crl --json three.p7s minutes.txt
expect_rc 1 "a revoked signer makes the signature not valid"
check "the revoked signer is REVOKED, the others good" test "$(jq -r '[.signers[] | .revocation] | sort | join(",")' out)" = "good,good,revoked"
# malformed input
head -c 300 three.p7s >trunc.p7s
run "$TSIGN" verify "${TRUST[@]}" trunc.p7s minutes.txt
expect_rc 3 "truncated signature"
expect_one_line_error "truncated signature"
run "$TSIGN" verify "${TRUST[@]}" minutes.txt minutes.txt
expect_rc 3 "not a signature"
run "$TSIGN" verify "${TRUST[@]}" "$S/root.crt.pem" minutes.txt
expect_rc 3 "a certificate is not a signature"
run "$TSIGN" verify "${TRUST[@]}" three.p7s
expect_rc 2 "detached signature without the document"
run "$TSIGN" verify "${TRUST[@]}" three.p7s missing.txt
expect_rc 3 "missing document"

# --- the commission roster ---
cat >roster.yaml <<YAML
commission: "کمیسیون مناقصه ۱۴۰۵-۱۲"
quorum: 2
members:
  - name: علی رضایی
    certificate: s/signer-ali-rezaei.crt.pem
  - name: سارا احمدی
    subject: "CN=سارا احمدی, OU=کمیسیون مناقصه, O=شهرداری نمونه (TEST ONLY), C=IR"
  - name: رضا محمدی
    subject: "CN=رضا محمدی, C=IR"
YAML
run "$TSIGN" verify "${TRUST[@]}" --roster roster.yaml --json minutes.txt.p7s minutes.txt
expect_rc 0 "quorum 2 met by two members"
check "roster lists who signed" test "$(jq -r '.roster.signed | length' out)" = 2
check "roster lists who has not" test "$(jq -r '.roster.not_signed[0]' out)" = "رضا محمدی"
check "quorum met" test "$(jq -r .roster.quorum_met out)" = true
sed -i 's/quorum: 2/quorum: 3/' roster.yaml
run "$TSIGN" verify "${TRUST[@]}" --roster roster.yaml --json minutes.txt.p7s minutes.txt
expect_rc 1 "quorum 3 not met"
check "quorum not met" test "$(jq -r .roster.quorum_met out)" = false
sed -i 's/quorum: 3/quorum: 2/' roster.yaml
run "$TSIGN" verify "${TRUST[@]}" --roster roster.yaml --json three.p7s minutes.txt
expect_rc 1 "a signer outside the roster"
check "the outsider is named" test "$(jq -r '.roster.outside_roster[0]' out)" = "CN=مریم کریمی, OU=امور مالی, O=شهرداری نمونه (TEST ONLY), C=IR"
run "$TSIGN" verify "${TRUST[@]}" --roster roster.yaml minutes.txt.p7s minutes.txt
expect_out_contains "not signed: رضا محمدی" "human roster report"

# --- a member's key on a SoftHSM2 token ---
new_token reza
run "$TSIGN" token keygen --token reza --label sign --type ec-p256 --pin-source env:PIN --json
RID=$(jq -r .id out)
run "$TSIGN" csr --key "pkcs11:token=reza;object=sign" --pin-source env:PIN --subject "/CN=رضا محمدی/C=IR" --pem --out reza.csr
"${CA[@]}" -in reza.csr -days 30 -out reza.crt 2>/dev/null
openssl x509 -in reza.crt -outform PEM -out reza.pem
run "$TSIGN" token import-cert --token reza --label sign --id "$RID" --pin-source env:PIN reza.pem
expect_rc 0 "certificate on the token"
run "$TSIGN" cosign --signature three.p7s --content minutes.txt --key "pkcs11:token=reza;object=sign" --pin-source env:PIN --out four-token.p7s
expect_rc 0 "co-sign with the token key and the certificate from the token"
ossl_good four-token.p7s minutes.txt
nss_good four-token.p7s 4 minutes.txt
run "$TSIGN" sign --key "pkcs11:token=reza;object=sign" --pin-source env:PIN --chain "$S/intermediate.crt.pem" --attached --out token.p7m minutes.txt
expect_rc 0 "sign attached with the token key"
ossl_good token.p7m
run "$TSIGN" sign --key "pkcs11:token=reza;object=sign" --pin-source env:SAMPLE_PASS --out wrongpin.p7s minutes.txt
expect_rc 4 "wrong PIN while signing"
expect_absent wrongpin.p7s "nothing written after a wrong PIN"
run "$TSIGN" sign --key "pkcs11:token=reza;object=sign" --cert "$S/signer-ali-rezaei.crt.pem" --pin-source env:PIN --out mm.p7s minutes.txt
expect_rc 4 "token key with another member's certificate"
expect_absent mm.p7s "nothing written on key/cert mismatch"
run "$TSIGN" sign --key ali.key --out nocert.p7s minutes.txt
expect_rc 4 "a file key without a certificate"
run "$TSIGN" sign --key old.key --cert old.crt --out expired.p7s minutes.txt
expect_rc 4 "an expired certificate is refused before signing"
expect_absent expired.p7s "nothing written with an expired certificate"
# shellcheck disable=SC2046
run "$TSIGN" sign $(key ali-rezaei) minutes.txt
expect_rc 3 "an existing signature is not overwritten"

# --- info ---
run "$TSIGN" info --json four-token.p7s
check "info: four signers" test "$(jq '.signers | length' out)" = 4
check "info: detached" test "$(jq -r .detached out)" = true
check "info: UTF-8 signer subject" grep -q "رضا محمدی" out
finish
