#!/usr/bin/env bash
# Hostile inputs: the minimised findings of the fuzzing run (tests/data/hostile/FINDINGS.md) and
# their relatives, fed through the command. Each must end in a verdict or a one-line error with
# exit 3 that names the problem: never exit 6, never a signal, never invalid UTF-8 on any output,
# never a leak (the sanitizer build runs this too: lib.sh fails a test on any sanitizer report).
source "$(dirname "$0")/lib.sh"
cd "$W"
H=$TSIGN_SOURCE/tests/data/hostile
F=$H/fixtures
utf8_ok() { python3 -c 'import sys; sys.stdin.buffer.read().decode("utf-8")' <"$1"; }
expect_utf8() {  # expect_utf8 DESCRIPTION: stdout and stderr of the last run are valid UTF-8
  if utf8_ok "$W/out" && utf8_ok "$W/err"; then ok "$1: output is valid UTF-8"; else fail "$1: output is not valid UTF-8"; fi
}

# --- 1. info on a DSA certificate with inherited parameters: no decodable public key ---
for mode in "" --json; do
  run "$TSIGN" info $mode "$H/info-null-public-key.der"
  expect_rc 0 "info $mode on a certificate without a decodable key"
  expect_utf8 "info $mode null key"
done
run "$TSIGN" info --json "$H/info-null-public-key.der"
check "the key is marked undecodable" test "$(jq -r '.public_key.undecodable' out)" = true
check "its algorithm is still named" test "$(jq -r '.public_key.algorithm' out)" = dsaEncryption
check "its SPKI is hashed" test "$(jq -r '.public_key.spki_sha256 | length' out)" = 64
run "$TSIGN" info "$H/info-null-public-key.der"
expect_out_contains "Undecodable: yes" "human output says the key is undecodable"
# the same certificate as a roster member (its SPKI is hashed without decoding the key) and in cert verify
printf 'quorum: 1\nmembers:\n  - certificate: %s\n' "$H/info-null-public-key.der" >dsa-roster.yaml
run "$TSIGN" roster check dsa-roster.yaml
if [ "$RC" -eq 0 ] || [ "$RC" -eq 3 ]; then ok "roster with an undecodable key: exit $RC"; else fail "roster with an undecodable key: exit $RC: $(cat err)"; fi
run "$TSIGN" cert verify --trust "$H/info-null-public-key.der" "$H/info-null-public-key.der"
if [ "$RC" -eq 1 ] || [ "$RC" -eq 0 ]; then ok "cert verify on an undecodable key: a verdict (exit $RC)"; else fail "cert verify on an undecodable key: exit $RC: $(cat err)"; fi

# --- 2. invalid UTF-8 in certificate names and subjectAltNames: escaped as \XX, exit 0 ---
for f in info-san-invalid-utf8.der info-invalid-utf8-2.der; do
  for mode in "" --json; do
    run "$TSIGN" info $mode "$H/$f"
    expect_rc 0 "info $mode $f"
    expect_utf8 "info $mode $f"
  done
done
run "$TSIGN" info --json "$H/info-san-invalid-utf8.der"
check "the invalid byte of the SAN is shown as \\FF" test "$(jq -r '.extensions.subject_alt_names[0]' out)" = 'email:\FF@b.ir'
# a roster file that is not UTF-8 is refused with the line named (exit 3, never exit 6)
run "$TSIGN" verify --trust "$F/trust.pem" --untrusted "$F/untrusted.pem" --roster "$F/roster.yaml" --json "$F/doc.txt.p7s" "$F/doc.txt"
expect_rc 3 "roster with a broken UTF-8 member name"
expect_err_contains "roster.yaml': it is not UTF-8 text (line 4, byte 0xEC)" "the broken byte is located"
expect_one_line_error "roster not UTF-8"
expect_utf8 "roster not UTF-8"
# the valid signature with a valid roster: JSON, exit 0
printf 'quorum: 1\nmembers:\n  - name: "Fuzz Signer"\n    certificate: %s\n' "$F/signer.crt" >good-roster.yaml
run "$TSIGN" verify --trust "$F/trust.pem" --untrusted "$F/untrusted.pem" --roster good-roster.yaml --json "$F/doc.txt.p7s" "$F/doc.txt"
expect_rc 0 "valid signature with a roster, --json"
expect_utf8 "roster --json"
check "the roster quorum is met" test "$(jq -r '.roster.quorum_met' out)" = true
# file names that are not UTF-8 are echoed escaped
run "$TSIGN" verify --trust "$F/trust.pem" "$(printf 'no\xffsuch.p7s')"
expect_rc 3 "a missing signature whose name is not UTF-8"
expect_err_contains 'no\FFsuch.p7s' "the file name is echoed with \\FF"
expect_utf8 "file name not UTF-8"

# --- 3. numbers out of range and malformed percent-escapes ---
run "$TSIGN" csr --key "$(cat "$H/pkcs11-uri-huge-slot-id.txt")" --subject /CN=x --out x.csr
expect_rc 3 "PKCS#11 URI with a huge slot-id"
expect_err_contains "PKCS#11 URI: slot-id '99999999999999999999' is not a number in range" "the slot-id is named"
expect_one_line_error "huge slot-id"
for bad in 'pkcs11:token=%zz' 'pkcs11:token=a;object=%4'; do
  run "$TSIGN" csr --key "$bad" --subject /CN=x --out x.csr
  expect_rc 3 "PKCS#11 URI $bad"
  expect_err_contains "is not a percent-encoded byte" "the bad escape in $bad is named"
done
run "$TSIGN" csr --key k.pem --pin-source fd:99999999999999999999 --subject /CN=x --out x.csr
expect_rc 3 "PIN source fd out of range"
expect_err_contains "fd '99999999999999999999' is not a number in range" "the fd is named"

# --- 4. YAML files with values of the wrong type: exit 3 naming the file and the key ---
export CA_PASS=hostile-pass
check "a CA to spoil" "$TSIGN" ca init --dir ca --subject "/CN=Fuzz Root/C=IR" --key-type ec-p256 --pin-source env:CA_PASS
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -subj /CN=leaf -out leaf.csr 2>/dev/null
cp ca/config.yaml ca/config.good
cp "$H/ca-config/config.yaml" ca/config.yaml
run "$TSIGN" ca issue --dir ca --csr leaf.csr --profile signer --pin-source env:CA_PASS --force --out leaf.crt
expect_rc 3 "CA config.yaml with crl_url: [a, b]"
expect_err_contains "invalid CA configuration '" "the CA configuration is named"
expect_err_contains "'crl_url' must be text, not a list" "crl_url is named"
expect_one_line_error "CA config crl_url list"
sed 's/^crl_next_update_hours:.*/crl_next_update_hours: {a: 1}/' ca/config.good >ca/config.yaml
run "$TSIGN" ca issue --dir ca --csr leaf.csr --profile signer --pin-source env:CA_PASS --force --out leaf.crt
expect_rc 3 "CA config.yaml with a mapping for a number"
expect_err_contains "'crl_next_update_hours' must be an integer" "crl_next_update_hours is named"
printf 'key: [x\n' >ca/config.yaml
run "$TSIGN" ca issue --dir ca --csr leaf.csr --profile signer --pin-source env:CA_PASS --force --out leaf.crt
expect_rc 3 "CA config.yaml that is not YAML"
expect_err_contains "not valid YAML" "the YAML error is reported"
cp ca/config.good ca/config.yaml
cp ca/profiles/signer.yaml signer.good
sed 's/^default_days:.*/default_days: [730]/' signer.good >ca/profiles/signer.yaml
run "$TSIGN" ca issue --dir ca --csr leaf.csr --profile signer --pin-source env:CA_PASS --force --out leaf.crt
expect_rc 3 "profile with a list for default_days"
expect_err_contains "signer.yaml': 'default_days' must be an integer" "the profile and key are named"
sed 's/^key_usage:.*/key_usage: digitalSignature/' signer.good >ca/profiles/signer.yaml
run "$TSIGN" ca issue --dir ca --csr leaf.csr --profile signer --pin-source env:CA_PASS --force --out leaf.crt
expect_rc 3 "profile with a string for a list"
expect_err_contains "'key_usage' must be a list" "key_usage is named"
sed 's/^ca: false/ca: {x: 1}/' signer.good >ca/profiles/signer.yaml
run "$TSIGN" ca issue --dir ca --csr leaf.csr --profile signer --pin-source env:CA_PASS --force --out leaf.crt
expect_rc 3 "profile with a mapping for a boolean"
expect_err_contains "'ca' must be true or false" "ca is named"
cp signer.good ca/profiles/signer.yaml
run "$TSIGN" ca issue --dir ca --csr leaf.csr --profile signer --pin-source env:CA_PASS --force --out leaf.crt
expect_rc 0 "the repaired CA issues"
printf 'pkcs11_module: [a, b]\n' >p11.yaml
run env -u TSIGN_PKCS11_MODULE TSIGN_CONFIG="$W/p11.yaml" "$TSIGN" token list
expect_rc 3 "p11 config with a list for pkcs11_module"
expect_err_contains "p11.yaml': 'pkcs11_module' must be text, not a list" "the p11 config key is named"
printf 'commission: c\nquorum: [1]\nmembers:\n  - certificate: %s\n' "$F/signer.crt" >typed-roster.yaml
run "$TSIGN" roster check typed-roster.yaml
expect_rc 3 "roster with a list for quorum"
expect_err_contains "quorum must be an integer" "quorum is named"
"$TSIGN" policy show >policy.yaml
printf 'revocation:\n  required: [yes]\n' >>policy.yaml
run "$TSIGN" verify --validation-policy policy.yaml --trust "$F/trust.pem" "$F/doc.txt.p7s" "$F/doc.txt"
expect_rc 3 "policy with a list for revocation.required"
expect_err_contains "policy.yaml'" "the policy file is named"

# --- 5. an empty file to verify ---
: >empty.p7s
run "$TSIGN" verify --trust "$F/trust.pem" empty.p7s "$F/doc.txt"
expect_rc 3 "empty signature file"
expect_err_contains "the file is empty" "the empty file is named"

# --- 6. an embedded CRL with corrupted times (LeakSanitizer found a leaked reference) ---
run "$TSIGN" verify --trust "$F/trust.pem" --untrusted "$F/untrusted.pem" "$H/verify-crl-leak.p7s" "$F/doc.txt"
expect_rc 3 "the fuzzed file as found (trailing bytes)"
expect_err_contains "follow the signature (trailing data)" "trailing data named"
run "$TSIGN" verify --trust "$F/trust.pem" --untrusted "$F/untrusted.pem" --json "$H/verify-crl-leak-trimmed.p7s" "$F/doc.txt"
if [ "$RC" -eq 0 ] || [ "$RC" -eq 1 ]; then ok "the CRL with corrupted times reaches a verdict (exit $RC)"; else fail "CRL with corrupted times: exit $RC: $(head -c 400 err)"; fi
if grep -q "is not a valid time" out; then ok "the CRL with corrupted times is ignored with a note"; else fail "no note about the CRL's times: $(head -c 600 out)"; fi

# --- 7. size limits: files named by someone else's file ---
printf 'quorum: 1\nmembers:\n  - certificate: /dev/zero\n' >zero-roster.yaml
SECONDS=0
run timeout 20 "$TSIGN" verify --trust "$F/trust.pem" --untrusted "$F/untrusted.pem" --roster zero-roster.yaml "$F/doc.txt.p7s" "$F/doc.txt"
expect_rc 3 "roster naming /dev/zero"
expect_err_contains "certificate '/dev/zero': not a regular file" "the device is refused"
if [ "$SECONDS" -lt 10 ]; then ok "refused quickly ($SECONDS s)"; else fail "took $SECONDS s"; fi
truncate -s 5M big.crt
printf 'quorum: 1\nmembers:\n  - certificate: big.crt\n' >big-roster.yaml
run "$TSIGN" roster check big-roster.yaml
expect_rc 3 "roster naming a 5 MiB certificate file"
expect_err_contains "larger than" "the size limit is named"
truncate -s 40M big.pem
run "$TSIGN" verify --trust big.pem "$F/doc.txt.p7s" "$F/doc.txt"
expect_rc 3 "a 40 MiB trust bundle"
expect_err_contains "certificates 'big.pem': larger than 32 MiB" "the bundle limit is named"
truncate -s 2M big.yaml
run env -u TSIGN_PKCS11_MODULE TSIGN_CONFIG="$W/big.yaml" "$TSIGN" token list
expect_rc 3 "a 2 MiB p11 config"
expect_err_contains "larger than 1 MiB" "the config limit is named"

# --- 9. what tsign's own fuzzers found (tests/fuzz/regressions/) ---
R=$TSIGN_SOURCE/tests/fuzz/regressions
FX=$TSIGN_SOURCE/tests/fuzz/fixtures
# a SignedData whose signer certificate has no decodable key (attached, and detached)
for f in cms_verify/signer-without-public-key.p7s "cms_verify_detached/signer-without-public-key.p7s $FX/doc.txt"; do
  run "$TSIGN" verify --offline --json --trust "$R/_fixtures/trust.pem" $(printf '%s' "$R/$f")
  expect_rc 1 "verify $f: a verdict, not a crash"
  check "$f: signature_invalid names the undecodable key" \
    jq -e '[.signers[].findings[] | select(.code == "signature_invalid" and (.message | test("cannot be decoded")))] | length > 0' out
done
# a CRL entry whose revocationDate is not a valid time: revoked, judged without an exception
# through OpenSSL (that leaked the CRL under LeakSanitizer)
run "$TSIGN" cert verify --offline --json --trust "$FX/crl-trust.pem" --untrusted "$FX/crl-untrusted.pem" \
  --crl "$R/crl/revocation-date-invalid.crl" --crl "$FX/crl-root.pem" --revocation require --at 2026-12-03 "$FX/crl-signer.pem"
expect_rc 1 "a CRL entry with an invalid revocation date"
check "reported as revoked, the bad time named" jq -e '[.findings[] | select(.code == "revoked" and (.message | test("invalid time")))] | length == 1' out
# a CA profile whose key_usage OpenSSL does not know: exit 3 naming the value, not an internal error
KP2=hostile-pass
export KP2
run "$TSIGN" ca init --dir hca --subject /CN=Hostile --key-type ec-p256 --pin-source env:KP2
expect_rc 0 "a CA for the profile test"
tail -c +2 "$R/ca_yaml/profile-key-usage-unknown.yaml" >hca/profiles/odd.yaml
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null -subj /CN=m -out m.csr 2>/dev/null
run "$TSIGN" ca issue --dir hca --pin-source env:KP2 --csr m.csr --profile odd --out m.crt
expect_rc 3 "an unknown key usage in a profile"
expect_err_contains "the CA's profile or config.yaml gives an invalid keyUsage value" "the bad value is named"
expect_absent m.crt "no certificate written"
# error messages that echo hostile bytes stay valid UTF-8
run "$TSIGN" csr --key "$(cat "$R/pkcs11_uri/error-message-invalid-utf8.txt")" --subject /CN=x --out x.csr
if [ "$RC" -eq 2 ] || [ "$RC" -eq 3 ]; then ok "a PKCS#11 URI with raw bytes: exit $RC"; else fail "a PKCS#11 URI with raw bytes: exit $RC"; fi
expect_utf8 "a PKCS#11 URI with raw bytes"
run "$TSIGN" policy show --validation-policy "$R/policy/error-message-invalid-utf8.yaml"
expect_rc 3 "a policy with raw bytes"
expect_utf8 "a policy with raw bytes"
# the TSA answers an empty request with a rejection, not "out of memory"
S=$TSIGN_SOURCE/certs-sample
export SAMPLE_PASS=tsign-sample
TPORT=$(free_ports 1)
"$TSIGN" tsa serve --key "$S/tsa.key.pem" --pin-source env:SAMPLE_PASS --cert "$S/tsa.crt.pem" --listen 127.0.0.1:$TPORT --state tsa 2>tsa.log &
TSA_PID=$!
trap 'kill $TSA_PID 2>/dev/null; rm -rf "$W"' EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$TPORT/" && break; sleep 0.1; done
code=$(curl -s -o empty.tsr -w '%{http_code}' -H 'Content-Type: application/timestamp-query' --data-binary @/dev/null "http://127.0.0.1:$TPORT/")
check "an empty TimeStampReq: HTTP 200" test "$code" = 200
check "with a rejection TimeStampResp (openssl ts)" sh -c "openssl ts -reply -in empty.tsr -text 2>/dev/null | grep -q 'Status: Rejected'"
kill $TSA_PID; wait $TSA_PID 2>/dev/null

# --- 10. what the hostile review of the fuzzing work found (tests/data/hostile/review/) ---
V=$H/review
# a PEM block with "Proc-Type: 4,ENCRYPTED" never makes OpenSSL prompt on the terminal (a pty
# here: without one the prompt fails at once and the check would prove nothing)
cp "$V/enc-cert.pem" .
printf 'quorum: 1\nmembers:\n  - name: A\n    certificate: enc-cert.pem\n' >enc-roster.yaml
timeout 10 script -qec "'$TSIGN' roster check enc-roster.yaml" /dev/null </dev/null >enc.out 2>&1
rc=$?
check "an encrypted PEM certificate in a roster: no prompt, no hang (exit $rc)" test "$rc" = 3
check "no passphrase prompt" sh -c "! grep -qi 'pass phrase' enc.out"
timeout 10 script -qec "'$TSIGN' ca issue --dir hca --pin-source env:KP2 --csr '$V/enc-csr.pem' --out enc.crt" /dev/null </dev/null >enc.out 2>&1
rc=$?
check "an encrypted PEM request to ca issue: refused, no prompt (exit $rc)" test "$rc" = 3
check "no passphrase prompt from ca issue" sh -c "! grep -qi 'pass phrase' enc.out"
# passphrases: 1024 bytes make a key tsign opens again; longer ones are refused at generation
P1024=$(printf 'b%.0s' $(seq 1 1024)); P1025=${P1024}b
export P1024 P1025
run "$TSIGN" key gen --type ec-p256 --out p1024.key --encrypt --pin-source env:P1024 --pem
expect_rc 0 "a key under a 1024-byte passphrase"
run "$TSIGN" csr --key p1024.key --pin-source env:P1024 --subject /CN=x --out p1024.csr
expect_rc 0 "and tsign opens it again"
run "$TSIGN" key gen --type ec-p256 --out p1025.key --encrypt --pin-source env:P1025 --pem
expect_rc 4 "a 1025-byte passphrase is refused"
expect_err_contains "longer than 1024 bytes" "the limit is named"
# a validation policy that is not UTF-8 (its name is printed in every report)
run "$TSIGN" policy show --validation-policy "$V/pol-badutf8.yaml"
expect_rc 3 "a policy that is not UTF-8"
expect_err_contains "not UTF-8 text" "the reason is named"
expect_utf8 "a policy that is not UTF-8"
# co-signing a SignedData with no signer and a TSTInfo content: refused
run "$TSIGN" cosign --signature "$V/nosigners-tstinfo.p7s" --key "$TSIGN_SOURCE/certs-sample/signer-ali-rezaei.key.pem" \
  --cert "$TSIGN_SOURCE/certs-sample/signer-ali-rezaei.crt.pem" --pin-source env:SAMPLE_PASS --out cos.p7s
expect_rc 3 "co-signing a SignedData without signers"
expect_err_contains "has no signer" "the reason is named"
expect_absent cos.p7s "nothing written"
# state folders: the parents tsign creates are never wider than the umask allows
(umask 077 && "$TSIGN" ca init --dir deep/a/ca --subject /CN=Deep --key-type ec-p256 --pin-source env:KP2 >/dev/null 2>&1)
check "a parent created under umask 077 stays 0700" test "$(stat -c %a deep)" = 700
check "the CA folder is 0700" test "$(stat -c %a deep/a/ca)" = 700
# a folder of another user is refused for a CA even when it is 0700
if [ "$(id -u)" = 0 ]; then
  mkdir -p theirs && chown nobody theirs && chmod 700 theirs
  run "$TSIGN" ca init --dir theirs --subject /CN=Theirs --key-type ec-p256 --pin-source env:KP2
  expect_rc 3 "a CA folder owned by another user"
  expect_err_contains "belongs to another user" "the reason is named"
fi

finish
