#!/usr/bin/env bash
# The validation policy: `tsign policy show`, --validation-policy on verify / cert verify /
# timestamp verify, the policy named in reports, malformed policy files (exit 3 naming the key),
# and `extend` refusing a signature that would not verify (exit 1, nothing written).
source "$(dirname "$0")/lib.sh"
cd "$W"
bash "$TSIGN_SOURCE/certs-sample/make-sample.sh" "$W/s" >/dev/null
S=$W/s
export SAMPLE_PASS=tsign-sample
printf 'صورتجلسه\n' >doc.txt
TRUST=(--trust "$S/root.crt.pem" --untrusted "$S/intermediate.crt.pem")

# --- the built-in policy ---
run "$TSIGN" policy show
expect_rc 0 "policy show"
expect_out_contains "name: tsign-default-2026" "the built-in policy's name"
expect_out_contains "sha1: 2009-12-31" "SHA-1 ends in 2009"
expect_out_contains "1.3.6.1.5.5.7.3.36" "documentSigning among the signer EKUs"
cp out builtin.yaml
run "$TSIGN" policy show --json
check "policy show --json: sha256 of the text" test "$(jq -r .sha256 out)" = "$(sha256sum builtin.yaml | cut -d' ' -f1)"
run "$TSIGN" policy --help
expect_rc 0 "policy --help"

# --- a policy of one's own, named in the report ---
run "$TSIGN" sign --key "$S/signer-ali-rezaei.key.pem" --cert "$S/signer-ali-rezaei.crt.pem" --pin-source env:SAMPLE_PASS doc.txt
expect_rc 0 "sign (ECDSA P-256, SHA-256)"
run "$TSIGN" verify "${TRUST[@]}" --json doc.txt.p7s doc.txt
expect_rc 0 "valid under the built-in policy"
check "report names the built-in policy" test "$(jq -r .validation_policy.name out)" = tsign-default-2026
check "validation_time_source current (B-B)" test "$(jq -r '.signers[0].validation_time_source' out)" = current
sed -e 's/^name: .*/name: city-strict/' -e '/^  sha256: null/d' builtin.yaml >strict.yaml
run "$TSIGN" policy show --validation-policy strict.yaml --json
expect_rc 0 "policy show checks another policy"
run "$TSIGN" verify "${TRUST[@]}" --validation-policy strict.yaml --json doc.txt.p7s doc.txt
expect_rc 1 "SHA-256 not in the policy: not valid"
check "report names the given policy and its SHA-256" test "$(jq -r '.validation_policy.name + " " + .validation_policy.sha256' out)" = "city-strict $(sha256sum strict.yaml | cut -d' ' -f1)"
check "CRYPTO_CONSTRAINTS_FAILURE (never accepted)" test "$(jq -r '.signers[0].sub_indication' out)" = CRYPTO_CONSTRAINTS_FAILURE
check "findings chain:weak_algorithm (certificate signatures) and signer:weak_algorithm" test "$(jq -r '[.signers[0].findings[] | .scope + ":" + .code] | unique | join(",")' out)" = "chain:weak_algorithm,signer:weak_algorithm"
run "$TSIGN" cert verify "${TRUST[@]}" --validation-policy strict.yaml --json "$S/signer-ali-rezaei.crt.pem"
expect_rc 1 "cert verify under the same policy: the SHA-256 certificate signatures are refused"
check "cert verify names the policy" test "$(jq -r .validation_policy.name out)" = city-strict
run "$TSIGN" verify "${TRUST[@]}" --validation-policy strict.yaml --allow-weak-algorithms --json doc.txt.p7s doc.txt
expect_rc 0 "--allow-weak-algorithms turns it into warnings"

# --- malformed policies: exit 3, one line naming the problem ---
bad() {  # bad NAME TEXT EXPECTED-SUBSTRING
  printf '%s\n' "$2" >"$1.yaml"
  run "$TSIGN" verify "${TRUST[@]}" --validation-policy "$1.yaml" doc.txt.p7s doc.txt
  expect_rc 3 "policy $1 refused"
  expect_one_line_error "policy $1"
  expect_err_contains "$3" "policy $1: says why"
}
bad unknown-key "$(cat builtin.yaml; echo 'digest_algos: {}')" "unknown key 'digest_algos'"
bad bad-date "$(sed 's/sha1: 2009-12-31/sha1: 2009-13-45/' builtin.yaml)" "digests.sha1"
bad bad-hash "$(sed 's/  md5: 2004-08-01/  md17: 2004-08-01/' builtin.yaml)" "unknown hash function 'md17'"
bad no-name "$(sed '/^name:/d' builtin.yaml)" "'name'"
bad keys-not-list "$(sed 's/^public_keys:/public_keys: 3\nx_public_keys:/' builtin.yaml)" "public_keys"
bad max-age "$(sed 's/  max_age: null/  max_age: soon/' builtin.yaml)" "max_age"
bad not-yaml "name: [unclosed" "not YAML"
run "$TSIGN" verify "${TRUST[@]}" --validation-policy /dev/zero doc.txt.p7s doc.txt
expect_rc 3 "a device as policy is refused, not read"
expect_err_contains "not a regular file" "/dev/zero: says why"
run "$TSIGN" verify "${TRUST[@]}" --validation-policy "$W" doc.txt.p7s doc.txt
expect_rc 3 "a folder as policy is refused"
run "$TSIGN" verify "${TRUST[@]}" --validation-policy missing.yaml doc.txt.p7s doc.txt
expect_rc 3 "a missing policy file"

# --- revocation required by the policy alone (no --revocation flag), no CRL or OCSP at hand ---
sed 's/  required: false/  required: true/' builtin.yaml >require.yaml
run "$TSIGN" verify "${TRUST[@]}" --offline --validation-policy require.yaml --json doc.txt.p7s doc.txt
expect_rc 1 "policy revocation.required: no revocation data, not valid"
check "finding chain:revocation_unknown, TRY_LATER" test "$(jq -r '([.signers[0].findings[] | .scope + ":" + .code] | unique | join(",")) + " " + .signers[0].sub_indication' out)" = "chain:revocation_unknown TRY_LATER"
run "$TSIGN" verify "${TRUST[@]}" --offline --revocation off --validation-policy require.yaml --json doc.txt.p7s doc.txt
expect_rc 0 "an explicit --revocation off still wins over the policy"

# (revocation freshness under a max_age policy: tests/data/verify/revoc-stale-max-age, run by test_verify_corpus.sh)

# --- extend refuses what would not verify: exit 1, nothing written, no TSA asked ---
openssl pkey -in "$S/signer-ali-rezaei.key.pem" -passin env:SAMPLE_PASS -out ali.key
openssl cms -sign -binary -md sha1 -in doc.txt -signer "$S/signer-ali-rezaei.crt.pem" -inkey ali.key -outform DER -out sha1.p7s
cp sha1.p7s sha1.before
run "$TSIGN" extend --level lt "${TRUST[@]}" --tsa http://127.0.0.1:9/ --content doc.txt sha1.p7s
expect_rc 1 "extend --level lt refuses a SHA-1 signature (exit 1, not the unreachable TSA's 5)"
expect_err_contains "CRYPTO_CONSTRAINTS_FAILURE_NO_POE" "extend says why"
check "the signature file is unchanged" cmp sha1.p7s sha1.before
printf 'altered\n' >>doc.txt
run "$TSIGN" extend --level lta "${TRUST[@]}" --tsa http://127.0.0.1:9/ --content doc.txt doc.txt.p7s
expect_rc 1 "extend --level lta refuses a signature over another document"
expect_err_contains "HASH_FAILURE" "extend names the hash failure"
run "$TSIGN" extend --level t --tsa http://127.0.0.1:9/ --content doc.txt doc.txt.p7s
expect_rc 1 "extend --level t without --trust still refuses a signature over another document"
expect_err_contains "HASH_FAILURE" "extend --level t names the hash failure"
run "$TSIGN" extend --level t "${TRUST[@]}" --tsa http://127.0.0.1:9/ --content doc.txt sha1.p7s
expect_rc 1 "extend --level t --trust refuses a SHA-1 signature before asking any TSA"
check "the signature file is still unchanged" cmp sha1.p7s sha1.before
finish
