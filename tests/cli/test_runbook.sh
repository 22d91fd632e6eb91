#!/usr/bin/env bash
# docs/runbook.md, run as written: every ```sh block in order (scripts/runbook.sh), on SoftHSM2
# tokens with the OCSP responders and the TSA on 127.0.0.1. The runbook calls no openssl; the
# checks after it are independent ones (openssl, certtool) of what it produced.
. "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$(cd "$(dirname "$TSIGN")" && pwd)
cd "$W"


# The runbook uses no openssl: a shim on PATH that fails loudly proves it.
mkdir -p shim
printf '#!/bin/sh\necho "the runbook called openssl" >&2\nexit 99\n' >shim/openssl
chmod +x shim/openssl
if grep -n '^[^#]*\bopenssl\b' <(bash "$SRC/scripts/runbook.sh" --list "$SRC/docs/runbook.md"); then
  fail "the runbook's commands name openssl"
else
  ok "the runbook's commands name no openssl"
fi

# The runbook fetches from its own responders: no TSIGN_OFFLINE while it runs.
mkdir -p rb
(
  cd rb
  unset TSIGN_OFFLINE
  base=$(free_ports 3)
  export ROOT_PORT=$base SUB_PORT=$((base + 1)) TSA_PORT=$((base + 2))
  echo "$ROOT_PORT $SUB_PORT $TSA_PORT" >../ports
  PATH="$W/shim:$BIN:$PATH" timeout 300 bash "$SRC/scripts/runbook.sh" "$SRC/docs/runbook.md"
) >"$W/runbook.log" 2>&1
RC=$?
sanitizer_check "$W/runbook.log" "the runbook"
if [ "$RC" -eq 0 ]; then
  ok "every block of docs/runbook.md ran (exit 0)"
else
  fail "docs/runbook.md failed (exit $RC)"
  tail -40 "$W/runbook.log"
fi
read -r ROOT_PORT SUB_PORT TSA_PORT <ports
cd rb

# What the runbook said along the way.
grep -q "revoked_after_proof" "$W/runbook.log" && ok "the minutes signed before the loss show revoked_after_proof" ||
  fail "no revoked_after_proof in the runbook's output"
if grep -q "tsign: warning: .*CRL\|tsign: warning: .*OCSP" "$W/runbook.log"; then
  fail "a CA made as the runbook shows was warned about missing revocation URLs"
else
  ok "no revocation-URL warning for the runbook's CAs"
fi

# Independent checks of what the runbook produced.
ROOT=root-ca/ca.crt.pem
run openssl verify -CAfile "$ROOT" -untrusted sub-ca/ca.crt.pem ali-rezaei.crt
expect_rc 0 "openssl: a member's certificate chains to the root"
run openssl verify -CAfile "$ROOT" -untrusted sub-ca/ca.crt.pem tsa.crt
expect_rc 0 "openssl: the TSA certificate chains to the root"
run openssl cms -verify -binary -inform DER -in note.txt.p7s -content note.txt -CAfile "$ROOT" -purpose any -out /dev/null
expect_rc 0 "openssl cms: the three members' B-LTA minutes verify with only the root (intermediate carried)"
run openssl cms -cmsout -print -inform DER -in note.txt.p7s
n=$(grep -c "object: id-smime-aa-timeStampToken\|object: signatureTimeStampToken" "$W/out")
[ "$n" -ge 3 ] && ok "each of the three signers has a signature timestamp ($n)" || fail "signature timestamps: $n"
grep -q "id-aa-ets-archiveTimestampV3\|1.2.840.113549.1.9.16.2.48\|0.4.0.1733.2.4" "$W/out" &&
  ok "an archive timestamp (v3) is present" || fail "no archive timestamp in the B-LTA signature"
run openssl ts -verify -in note.tsr -data note.txt -CAfile "$ROOT"
expect_rc 0 "openssl ts: the TSA's token verifies with only the root (--chain carried the intermediate)"
run openssl crl -inform DER -in sub-ca.crl -CAfile sub-ca/ca.crt.pem -noout -text
expect_rc 0 "openssl crl: the intermediate's CRL verifies"
serial=$(openssl x509 -in sara-ahmadi.crt -noout -serial | cut -d= -f2)
grep -qi "Serial Number: $serial" "$W/out" && ok "the CRL lists Sara's revoked certificate (serial $serial)" ||
  fail "Sara's serial $serial not in the CRL"
grep -q "Key Compromise" "$W/out" && ok "with reason keyCompromise" || fail "reason keyCompromise missing from the CRL"
run openssl ocsp -respin sara.ocsp -issuer sub-ca/ca.crt.pem -cert sara-ahmadi.crt -CAfile "$ROOT" -VAfile ocsp.crt -no_nonce
grep -q "sara-ahmadi.crt: revoked" "$W/out" && ok "openssl ocsp: the saved response says revoked" ||
  fail "openssl ocsp on the saved response: $(cat "$W/out" "$W/err" | head -5)"
run certtool --verify --load-ca-certificate "$ROOT" --infile <(cat sara-ahmadi-2.crt sub-ca/ca.crt.pem)
expect_rc 0 "certtool: the renewed certificate chains to the root"

# The B-LTA minutes verify with no network and revocation required, against the runbook's root.
run env TSIGN_OFFLINE=1 "$TSIGN" verify --trust "$ROOT" --revocation require --json note.txt.p7s note.txt
expect_rc 0 "the B-LTA minutes verify offline, revocation required"
[ "$(jq -r '[.signers[].revocation] | unique | join(",")' "$W/out")" = good ] && ok "with only the embedded evidence: good for all three" ||
  fail "embedded evidence: $(jq -c '[.signers[].revocation]' "$W/out")"
run env TSIGN_OFFLINE=1 "$TSIGN" verify --trust "$ROOT" --revocation require --crl sub-ca.crl --json note.txt.p7s note.txt
expect_rc 0 "with the CRL that lists Sara's revocation: still valid (revoked after the proven time)"
[ "$(jq -r '[.signers[].level] | unique | join(",")' "$W/out")" = "B-LTA" ] && ok "all three signers at B-LTA" ||
  fail "levels: $(jq -c '[.signers[].level]' "$W/out")"
[ "$(jq -r '.signers[] | select(.subject | contains("سارا")) | .revocation' "$W/out")" = "revoked_after_proof" ] &&
  ok "Sara's signature: revocation revoked_after_proof" || fail "Sara: $(jq -c '.signers[] | {subject, revocation}' "$W/out")"
[ "$(jq -r '.signers[] | select(.subject | contains("سارا")) | .revocation_reason' "$W/out")" = "keyCompromise" ] &&
  ok "with reason keyCompromise and a date" || fail "Sara's reason: $(jq -c '.signers[] | {revocation_time, revocation_reason}' "$W/out")"
[ "$(jq -r '[.signers[] | select(.revocation == "good")] | length' "$W/out")" = 2 ] && ok "the two others: good" ||
  fail "revocation of the others: $(jq -c '[.signers[].revocation]' "$W/out")"

# A signature by the revoked key is refused with the exact finding; the renewed key's is good.
run env TSIGN_OFFLINE=1 "$TSIGN" verify --trust "$ROOT" --revocation require --json --crl sub-ca.crl late-lost-token.p7s late.txt
expect_rc 1 "the signature made with the lost token after its revocation is not valid"
[ "$(jq -r '.signers[0].sub_indication' "$W/out")" = "REVOKED" ] && ok "sub-indication REVOKED" || fail "sub_indication: $(jq -c '.signers[0] | {indication, sub_indication}' "$W/out")"
[ "$(jq -r '[.signers[0].findings[].code] | index("revoked") != null' "$W/out")" = true ] && ok "finding code revoked" ||
  fail "findings: $(jq -c '[.signers[0].findings[].code]' "$W/out")"
[ "$(jq -r '.signers[0].revocation' "$W/out")" = revoked ] && ok "revocation: revoked" || fail "revocation: $(jq -r '.signers[0].revocation' "$W/out")"

cd "$W"
finish
