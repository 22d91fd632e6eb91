#!/usr/bin/env bash
# x509-limbo (tests/data/conformance/x509-limbo), the generic RFC 5280 subset (classes core and
# core-eku, 133 cases) through `tsign cert verify`. Target: at least OpenSSL's 113/133. Every case
# where tsign disagrees with the expected result is listed in tests/conformance/limbo-known.tsv with
# the reason; a disagreement not listed there, or a listed one that now agrees, fails the test.
source "$(dirname "$0")/lib.sh"
L=$TSIGN_SOURCE/tests/data/conformance/x509-limbo
KNOWN=$TSIGN_SOURCE/tests/conformance/limbo-known.tsv
[ -f "$L/limbo.json" ] || { echo "x509-limbo data not found at $L"; exit 1; }
declare -A cls
while IFS=$'\t' read -r id class _; do cls[$id]=$class; done <"$L/testcase-classes.tsv"
declare -A known
while IFS=$'\t' read -r id _; do [[ -z "$id" || "$id" == \#* ]] || known[$id]=1; done <"$KNOWN"
pass=0 total=0
: >"$W/disagree.tsv"
while read -r tc; do
  id=$(jq -r .id <<<"$tc")
  c=${cls[$id]:-}
  [ "$c" = core ] || [ "$c" = core-eku ] || continue
  total=$((total + 1))
  d="$W/case"; rm -rf "$d"; mkdir -p "$d"
  jq -r '.trusted_certs[]' <<<"$tc" >"$d/trust.pem"
  jq -r '.untrusted_intermediates[]' <<<"$tc" >"$d/inter.pem"
  jq -r '.peer_certificate' <<<"$tc" >"$d/leaf.pem"
  jq -r '.crls[]' <<<"$tc" >"$d/crls.pem"
  args=(cert verify --trust "$d/trust.pem")
  [ -s "$d/inter.pem" ] && args+=(--untrusted "$d/inter.pem")
  [ -s "$d/crls.pem" ] && args+=(--crl "$d/crls.pem" --revocation require)
  t=$(jq -r '.validation_time // empty' <<<"$tc")
  [ -n "$t" ] && args+=(--at "$(date -u -d "$t" +%Y-%m-%dT%H:%M:%SZ)")
  depth=$(jq -r '.max_chain_depth // empty' <<<"$tc")
  [ -n "$depth" ] && args+=(--max-depth "$depth")
  for e in $(jq -r '.extended_key_usage[]?' <<<"$tc"); do
    case $e in serverAuth) args+=(--eku serverAuth) ;; clientAuth) args+=(--eku clientAuth) ;; *) args+=(--eku "$e") ;; esac
  done
  "$TSIGN" "${args[@]}" "$d/leaf.pem" >"$d/out" 2>"$d/err"
  rc=$?
  sanitizer_check "$d/err" "limbo $id"
  expected=$(jq -r .expected_result <<<"$tc")
  got=FAILURE; [ $rc -eq 0 ] && got=SUCCESS
  if [ $rc -gt 1 ]; then got="ERROR($rc)"; fi
  if [ "$got" = "$expected" ]; then
    pass=$((pass + 1))
    [ -n "${known[$id]:-}" ] && fail "limbo $id now agrees: remove it from limbo-known.tsv"
  else
    printf '%s\t%s\t%s\t%s\n' "$id" "$expected" "$got" "$(grep -m1 'error at' "$d/out" | sed 's/^ *//')" >>"$W/disagree.tsv"
    if [ -n "${known[$id]:-}" ]; then ok "limbo $id: known disagreement ($expected expected, $got)"; else fail "limbo $id: expected $expected, got $got: $(grep -m1 'error at' "$d/out") $(head -c 200 "$d/err")"; fi
  fi
done < <(jq -c '.testcases[]' "$L/limbo.json")
echo "x509-limbo core + core-eku: $pass of $total agree (OpenSSL 3.0: 113 of 133)"
if [ "$total" -eq 133 ] && [ "$pass" -ge 113 ]; then ok "x509-limbo: at least OpenSSL's 113/133"; else fail "x509-limbo: $pass of $total"; fi
[ -n "${LIMBO_REPORT:-}" ] && cp "$W/disagree.tsv" "$LIMBO_REPORT"
finish
