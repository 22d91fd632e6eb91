#!/usr/bin/env bash
# tsign cert verify on the sample hierarchy: valid paths, purposes, time, CRLs made by openssl.
source "$(dirname "$0")/lib.sh"
cd "$W"
bash "$TSIGN_SOURCE/certs-sample/make-sample.sh" "$W/s" >/dev/null
S=$W/s
V=("$TSIGN" cert verify --trust "$S/root.crt.pem" --untrusted "$S/intermediate.crt.pem")

run "${V[@]}" --purpose signing "$S/signer-ali-rezaei.crt.pem"
expect_rc 0 "signer path valid"
expect_out_contains "علی رضایی" "UTF-8 subject in the report"
run "${V[@]}" --json "$S/signer-ali-rezaei.crt.pem"
check "JSON chain has three certificates" test "$(jq '.chain | length' out)" = 3
check "JSON indication TOTAL_PASSED" test "$(jq -r .indication out)" = TOTAL_PASSED
check "revocation not checked without CRLs" test "$(jq -r .revocation out)" = not_checked
run "${V[@]}" --purpose timestamping "$S/tsa.crt.pem"
expect_rc 0 "TSA certificate for timestamping"
run "${V[@]}" --purpose timestamping "$S/signer-ali-rezaei.crt.pem"
expect_rc 1 "a signer certificate is not a TSA certificate"
run "${V[@]}" --purpose signing "$S/root.crt.pem"
expect_rc 1 "a CA-only key usage is not for signing"
run "${V[@]}" --eku timeStamping "$S/tsa.crt.pem"
expect_rc 0 "--eku present"
run "${V[@]}" --eku OCSPSigning "$S/tsa.crt.pem"
expect_rc 1 "--eku missing"
run "${V[@]}" --at 2099-01-01 --json "$S/signer-ali-rezaei.crt.pem"
expect_rc 1 "expired at a later time"
check "expired sub-indication" test "$(jq -r .sub_indication out)" = OUT_OF_BOUNDS_NO_POE
check "expired finding" test "$(jq -r '.findings[0].code' out)" = certificate_expired
run "$TSIGN" cert verify --trust "$S/root.crt.pem" --json "$S/signer-ali-rezaei.crt.pem"
expect_rc 1 "no intermediate: no chain"
check "no chain sub-indication" test "$(jq -r .sub_indication out)" = NO_CERTIFICATE_CHAIN_FOUND
run "$TSIGN" cert verify --trust "$S/intermediate.crt.pem" "$S/signer-ali-rezaei.crt.pem"
expect_rc 0 "an intermediate may be the trust anchor"
cmp_ok=$(openssl verify -CAfile "$S/root.crt.pem" -untrusted "$S/intermediate.crt.pem" "$S/signer-ali-rezaei.crt.pem" >/dev/null 2>&1 && echo 0 || echo 1)
check "openssl agrees" test "$cmp_ok" = 0

# CRLs issued by the intermediate with openssl: one revoked signer
mkdir -p ca && touch ca/index.txt && echo 1000 >ca/crlnumber
printf '[ca]\ndefault_ca=d\n[d]\ndatabase=%s/ca/index.txt\ncrlnumber=%s/ca/crlnumber\ndefault_md=sha256\ndefault_crl_days=7\n' "$W" "$W" >ca.cnf
export SAMPLE_PASS=tsign-sample
openssl ca -config ca.cnf -gencrl -keyfile "$S/intermediate.key.pem" -passin env:SAMPLE_PASS -cert "$S/intermediate.crt.pem" -out empty.crl 2>/dev/null
openssl ca -config ca.cnf -revoke "$S/signer-sara-ahmadi.crt.pem" -keyfile "$S/intermediate.key.pem" -passin env:SAMPLE_PASS -cert "$S/intermediate.crt.pem" -crl_reason keyCompromise 2>/dev/null
openssl ca -config ca.cnf -gencrl -keyfile "$S/intermediate.key.pem" -passin env:SAMPLE_PASS -cert "$S/intermediate.crt.pem" -out revoked.crl 2>/dev/null
run "${V[@]}" --crl empty.crl --json "$S/signer-ali-rezaei.crt.pem"
expect_rc 0 "CRL without the certificate"
check "revocation good" test "$(jq -r .revocation out)" = good
run "${V[@]}" --crl revoked.crl --json "$S/signer-sara-ahmadi.crt.pem"
expect_rc 1 "revoked certificate"
check "revocation revoked" test "$(jq -r .revocation out)" = revoked
check "openssl also rejects it" bash -c "! openssl verify -crl_check -CAfile '$S/root.crt.pem' -untrusted '$S/intermediate.crt.pem' -CRLfile revoked.crl '$S/signer-sara-ahmadi.crt.pem' >/dev/null 2>&1"
run "${V[@]}" --crl revoked.crl --revocation require "$S/signer-ali-rezaei.crt.pem"
expect_rc 1 "require: the root's CRL is missing"
run "${V[@]}" --crl revoked.crl --revocation auto --json "$S/signer-ali-rezaei.crt.pem"
expect_rc 0 "auto: what is missing is noted"
check "note about the missing CRL" test "$(jq '.warnings | length' out)" -ge 1

# bad input
head -c 100 "$S/root.crt.pem" >bad.pem
run "$TSIGN" cert verify --trust bad.pem "$S/signer-ali-rezaei.crt.pem"
expect_rc 3 "malformed trust anchor"
run "$TSIGN" cert verify --trust "$S/root.crt.pem" --policy not-an-oid "$S/signer-ali-rezaei.crt.pem"
expect_rc 2 "bad policy OID"
run "$TSIGN" cert verify "$S/signer-ali-rezaei.crt.pem"
expect_rc 2 "no --trust"
finish
