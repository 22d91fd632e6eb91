#!/usr/bin/env bash
# OpenSSL's OCSP response vectors (tests/data/conformance/ocsp-openssl, 29 cases of openssl-ocsp.json):
# each response is checked by `tsign ocsp check` (the same checks `verify` makes on OCSP answers)
# against the certificate it is about: the end certificate for the first response, the
# intermediate for the second. A case is judged right when every response is accepted exactly
# when the case expects no error. Freshness is judged at the case's own moment (--at).
source "$(dirname "$0")/lib.sh"
C=$TSIGN_SOURCE/tests/data/conformance/ocsp-openssl
[ -f "$C/openssl-ocsp.json" ] || { echo "OCSP data not found at $C"; exit 1; }
for f in "$C"/*.ors; do base64 -d "$f" >"$W/$(basename "$f" .ors).der"; done
right=0
total=0
while IFS='|' read -r name root others cert ocsps moment error; do
  total=$((total + 1))
  IFS=, read -r -a resp <<<"$ocsps"
  IFS=, read -r -a inter <<<"$others"
  untrusted=()
  for o in "${inter[@]}"; do untrusted+=(--untrusted "$C/$o"); done
  # certificate / issuer pairs: EE issued by the first intermediate (or the root), intermediate by the root
  if [ ${#inter[@]} -gt 0 ]; then pairs=("$cert:${inter[0]}" "${inter[0]}:$root"); else pairs=("$cert:$root"); fi
  all_good=1
  why=""
  for i in "${!resp[@]}"; do
    subject=${pairs[$i]%%:*}
    issuer=${pairs[$i]#*:}
    run "$TSIGN" ocsp check --json --validation-policy "$TSIGN_SOURCE/tests/conformance/legacy-policy.yaml" --trust "$C/$root" "${untrusted[@]}" --issuer "$C/$issuer" \
        --response "$W/${resp[$i]%.ors}.der" --at "$moment" "$C/$subject"
    if [ "$RC" -ne 0 ]; then
      all_good=0
      why="${resp[$i]}: $(jq -r .message "$W/out" 2>/dev/null || cat "$W/err")"
    fi
    [ "$RC" -gt 1 ] && fail "$name: ${resp[$i]}: exit $RC ($(cat "$W/err"))"
  done
  if [ -z "$error" ] && [ $all_good = 1 ]; then right=$((right + 1)); ok "OCSP $name: accepted"
  elif [ -n "$error" ] && [ $all_good = 0 ]; then right=$((right + 1)); ok "OCSP $name: rejected ($error: $why)"
  else fail "OCSP $name: expected ${error:-success}, tsign said ${why:-good}"; fi
done < <(jq -r '.[] | [.name, .root, ((.other_certs // []) | join(",")), .cert, (.ocsps | join(",")),
                        (.moment | sub("\\+00:00$"; "Z")), (.error.class // "")] | join("|")' "$C/openssl-ocsp.json")
check "all 29 OCSP cases ran" test "$total" -eq 29
check "OCSP cases judged right: $right/$total" test "$right" -eq "$total"

# The same responses as evidence for path validation (`cert verify --ocsp-response`).
run "$TSIGN" cert verify --json --validation-policy "$TSIGN_SOURCE/tests/conformance/legacy-policy.yaml" --trust "$C/ND2_Issuer_Root.pem" --untrusted "$C/ND1_Issuer_ICA.pem" --ocsp-response "$W/ND1.der" \
    --ocsp-response "$W/ND2.der" --revocation require --at 2012-10-12T00:00:00Z "$C/ND1_Cert_EE.pem"
expect_rc 0 "cert verify --revocation require: OCSP answers for EE and intermediate suffice"
check "revocation good" test "$(jq -r .revocation "$W/out")" = good
run "$TSIGN" cert verify --json --validation-policy "$TSIGN_SOURCE/tests/conformance/legacy-policy.yaml" --trust "$C/ND2_Issuer_Root.pem" --untrusted "$C/ND1_Issuer_ICA.pem" --ocsp-response "$W/ND1.der" \
    --revocation require --at 2012-10-12T00:00:00Z "$C/ND1_Cert_EE.pem"
expect_rc 1 "cert verify --revocation require: no answer for the intermediate: not valid"
check "the finding says why (fetching is off)" jq -e '.findings[] | select(.depth == 1) | .message | test("unknown")' "$W/out"
run "$TSIGN" cert verify --json --validation-policy "$TSIGN_SOURCE/tests/conformance/legacy-policy.yaml" --trust "$C/ND2_Issuer_Root.pem" --untrusted "$C/ND1_Issuer_ICA.pem" --ocsp-response "$W/ISOP_ND1.der" \
    --ocsp-response "$W/ND2.der" --revocation require --at 2012-10-12T00:00:00Z "$C/ND1_Cert_EE.pem"
expect_rc 1 "cert verify: a response with a bad signature is not evidence"
check "the note names the bad signature" jq -e '.warnings | map(test("signature failure")) | any' "$W/out"
run "$TSIGN" cert verify --json --validation-policy "$TSIGN_SOURCE/tests/conformance/legacy-policy.yaml" --trust "$C/ND3_Issuer_Root.pem" --ocsp-response "$W/ND3.der" --revocation require \
    --at 2013-10-12T00:00:00Z "$C/ND3_Cert_EE.pem"
expect_rc 1 "cert verify: a stale response is not evidence"
finish
