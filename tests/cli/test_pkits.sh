#!/usr/bin/env bash
# NIST PKITS 2011 (tests/data/conformance/pkits): all 257 runs through `tsign cert verify`.
# Expected failures, known OpenSSL limitations named by the conformance README:
#   4.1.5   DSA parameter inheritance (OpenSSL cannot verify with inherited DSA parameters)
#   4.14.30 cRLIssuer in a distribution point of the "test30" indirect CRL set
# The 2011 data sign with SHA-1 and DSA-1024: the runs use tests/conformance/legacy-policy.yaml, which
# accepts them without an end date (PKITS tests path validation, not algorithm dates).
source "$(dirname "$0")/lib.sh"
P=$TSIGN_SOURCE/tests/data/conformance/pkits
[ -f "$P/pkits-expected.tsv" ] || { echo "PKITS data not found at $P"; exit 1; }
XFAIL=" 4.1.5 4.14.30 "
pass=0 total=0 xfail=0
# tabs become '|' so that empty columns are not merged by read
while IFS='|' read -r section id name expected errclass ee others crls policies explicit inhibit_map inhibit_any revreq pathlen source notice; do
  [[ "$section" == \#* || "$section" == section ]] && continue
  args=(cert verify --validation-policy "$TSIGN_SOURCE/tests/conformance/legacy-policy.yaml" --trust "$P/certs/TrustAnchorRootCertificate.crt" --crl "$P/crls/TrustAnchorRootCRL.crl" --at 2022-05-01T00:00:00Z)
  IFS=',' read -ra oc <<<"$others"; for c in "${oc[@]}"; do [ -n "$c" ] && args+=(--untrusted "$P/certs/$c"); done
  IFS=',' read -ra cl <<<"$crls"; for c in "${cl[@]}"; do [ -n "$c" ] && [ "$c" != TrustAnchorRootCRL.crl ] && args+=(--crl "$P/crls/$c"); done
  IFS=',' read -ra pl <<<"$policies"; for c in "${pl[@]}"; do [ -n "$c" ] && args+=(--policy "$c"); done
  [ "$explicit" = yes ] && args+=(--explicit-policy)
  [ "$inhibit_map" = yes ] && args+=(--inhibit-policy-mapping)
  [ "$inhibit_any" = yes ] && args+=(--inhibit-any-policy)
  if [ "$revreq" = yes ]; then args+=(--revocation require); else args+=(--revocation auto); fi
  "$TSIGN" "${args[@]}" "$P/certs/$ee" >"$W/out" 2>"$W/err"
  rc=$?
  sanitizer_check "$W/err" "PKITS $section"
  total=$((total + 1))
  if { [ "$expected" = valid ] && [ $rc -eq 0 ]; } || { [ "$expected" = invalid ] && [ $rc -eq 1 ]; }; then
    pass=$((pass + 1))
    [[ "$XFAIL" == *" $section "* ]] && echo "note: $section $name passes (listed as an expected failure)"
  elif [[ "$XFAIL" == *" $section "* ]]; then
    xfail=$((xfail + 1))
    ok "expected failure $section $name (known OpenSSL limitation; exit $rc)"
  else
    fail "PKITS $section $name ($id): expected $expected, exit $rc: $(head -c 300 "$W/err") $(grep -i error "$W/out" | head -3)"
  fi
done < <(tr '\t' '|' <"$P/pkits-expected.tsv")
echo "PKITS: $pass of $total runs agree ($xfail expected failures)"
if [ "$pass" -ge 255 ] && [ "$total" -eq 257 ]; then ok "PKITS: at least 255 of 257"; else fail "PKITS: $pass of $total"; fi
finish
