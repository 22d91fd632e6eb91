#!/usr/bin/env bash
# The adversarial verify corpus (tests/data/verify/<case>/, see its README.md): for every case,
# `tsign verify --json $(cat args)` in a copy of the case folder must give exactly the exit code,
# signers, indications, sub-indications and finding codes of expected.json. OpenSSL (`openssl cms
# -verify`) judges the same files; its verdict is recorded in expected.json ("openssl") and a change
# fails the test. Cases where OpenSSL and the expected tsign verdict disagree are listed at the end
# (and in $W/openssl-disagreements.tsv).
#
# A case with a file `command` (one argument per line, e.g. extend / --level / lt / ...) runs that
# command instead of `verify --json ARGS`: only its exit code, "error_contains", "unchanged" (files
# that must stay byte-identical) and "absent" (files that must not exist) are checked, and OpenSSL
# is not asked.
#
# VERIFY_CORPUS=DIR runs another corpus; VERIFY_CORPUS_CASES="name name..." runs only those cases.
source "$(dirname "$0")/lib.sh"
CORPUS=${VERIFY_CORPUS:-$TSIGN_SOURCE/tests/data/verify}
TSV=$W/openssl-disagreements.tsv
printf 'case\ttsign_expected\topenssl\twhat\n' >"$TSV"
mkdir -p "$W/cases"

# The differences between expected.json ($e) and tsign's JSON report ($a), one per line, first
# difference first. Finding sets compare "scope:code" strings; optional keys only when expected.
cat >"$W/compare.jq" <<'JQ'
def fset($s): [($s.findings // [])[] | "\(.scope):\(.code)"] | unique;
def show: if type == "string" then . else tojson end;
$e[0] as $e | $a[0] as $a |
(if ($a | type) != "object" then "the report is not a JSON object" else empty end),
(($e.signers // []) | length) as $ne | (($a.signers // []) | length) as $na |
(if $ne != $na then "signers: expected \($ne), got \($na)" else empty end),
(range(0; [$ne, $na] | min) as $i | $e.signers[$i] as $se | $a.signers[$i] as $sa |
  (if $se.indication != $sa.indication then "signer \($i): indication expected \($se.indication), got \($sa.indication | show)" else empty end),
  (if $se.sub_indication != $sa.sub_indication then "signer \($i): sub_indication expected \($se.sub_indication | show), got \($sa.sub_indication | show)" else empty end),
  ((($se.findings // []) | unique) as $ef | fset($sa) as $af |
    if $ef != $af then "signer \($i): findings expected [\($ef | join(" "))], got [\($af | join(" "))]" else empty end),
  (("validation_time_source", "level", "revocation", "subject", "valid") as $k | select($se | has($k)) |
    if ($sa | has($k) | not) then "signer \($i): \($k) expected \($se[$k] | show), missing"
    elif $sa[$k] != $se[$k] then "signer \($i): \($k) expected \($se[$k] | show), got \($sa[$k] | show)" else empty end),
  (select($se | has("subject_not")) |
    if $sa.subject == $se.subject_not then "signer \($i): subject must not read \($se.subject_not | show)" else empty end),
  (select($se | has("warning_contains")) | $se.warning_contains as $w |
    if ([($sa.warnings // [])[] | select(type == "string" and contains($w))] | length) == 0
    then "signer \($i): no warning contains \($w | show) (warnings: \($sa.warnings // [] | show))" else empty end)),
(select($e | has("roster")) |
  if ($a.roster | type) != "object" then "roster: expected an object, got \($a.roster | show)" else
    ($e.roster | to_entries[] | .key as $k | .value as $v |
      if $k == "outside_roster_count" then
        (if (($a.roster.outside_roster // []) | length) != $v then "roster.outside_roster: expected \($v) entries, got \($a.roster.outside_roster | show)" else empty end)
      elif $k == "required_missing_count" then
        (if (($a.roster.required_missing // []) | length) != $v then "roster.required_missing: expected \($v) entries, got \($a.roster.required_missing | show)" else empty end)
      elif ($a.roster | has($k) | not) then "roster.\($k): expected \($v | show), missing"
      elif $a.roster[$k] != $v then "roster.\($k): expected \($v | show), got \($a.roster[$k] | show)"
      else empty end)
  end)
JQ

# openssl_verdict DIR: accept or reject, judged by `openssl cms -verify` with the case's trust
# anchors, untrusted certificates, CRLs (then -crl_check; openssl cms has no -CRLfile, so the CRLs
# go into the -CAfile bundle) and --at (as -attime).
as_pem() {  # as_pem x509|crl FILE: a PEM file (bundle) as it is, one DER object converted to PEM
  if grep -q -- '-----BEGIN' "$2"; then cat "$2"; else openssl "$1" -inform DER -in "$2"; fi
}
openssl_verdict() {
  local d=$1 a=() pos=() trust=() untrusted=() crls=() at="" i=0
  mapfile -t a <"$d/args"
  while [ $i -lt ${#a[@]} ]; do
    case ${a[$i]} in
      --trust) trust+=("${a[$((i + 1))]}"); i=$((i + 2)) ;;
      --untrusted) untrusted+=("${a[$((i + 1))]}"); i=$((i + 2)) ;;
      --crl) crls+=("${a[$((i + 1))]}"); i=$((i + 2)) ;;
      --content) pos+=("${a[$((i + 1))]}"); i=$((i + 2)) ;;
      --at) at=${a[$((i + 1))]}; i=$((i + 2)) ;;
      --ocsp-response | --revocation | --roster | --validation-policy | --fetch-timeout | --extract) i=$((i + 2)) ;;
      --*) i=$((i + 1)) ;;
      *) pos+=("${a[$i]}"); i=$((i + 1)) ;;
    esac
  done
  (
    cd "$d" || exit 1
    local f o=(-verify -binary -inform DER -in "${pos[0]}" -purpose any -out /dev/null)
    [ ${#pos[@]} -gt 1 ] && o+=(-content "${pos[1]}")
    : >"$W/ossl-ca.pem"
    for f in "${trust[@]}"; do as_pem x509 "$f" >>"$W/ossl-ca.pem"; done
    if [ ${#crls[@]} -gt 0 ]; then
      for f in "${crls[@]}"; do as_pem crl "$f" >>"$W/ossl-ca.pem"; done
      o+=(-crl_check)
    fi
    o+=(-CAfile "$W/ossl-ca.pem")
    if [ ${#untrusted[@]} -gt 0 ]; then
      : >"$W/ossl-untrusted.pem"
      for f in "${untrusted[@]}"; do as_pem x509 "$f" >>"$W/ossl-untrusted.pem"; done
      o+=(-certfile "$W/ossl-untrusted.pem")
    fi
    [ -n "$at" ] && o+=(-attime "$(date -u -d "$at" +%s)")
    if openssl cms "${o[@]}" >"$W/ossl.out" 2>&1; then echo accept; else echo reject; fi
  )
}

ncases=0
for dir in "$CORPUS"/*/; do
  name=$(basename "$dir")
  [[ $name == _* ]] && continue
  [ -f "$dir/expected.json" ] || continue
  if [ -n "${VERIFY_CORPUS_CASES:-}" ] && [[ " $VERIFY_CORPUS_CASES " != *" $name "* ]]; then continue; fi
  ncases=$((ncases + 1))
  c=$W/cases/$name
  rm -rf "$c"
  cp -a "$dir" "$c"
  exp=$c/expected.json
  command=0
  if [ -f "$c/command" ]; then
    command=1
    if ! jq -e 'has("exit") and ((.unchanged // []) | type == "array") and ((.absent // []) | type == "array")' "$exp" >/dev/null 2>&1; then
      fail "$name: expected.json is not valid (needs \"exit\"; \"unchanged\" and \"absent\" are lists)"
      continue
    fi
    mapfile -t ARGS <"$c/command"
  else
    if ! jq -e 'has("exit") and (.openssl | IN("accept", "reject", "skip"))' "$exp" >/dev/null 2>&1; then
      fail "$name: expected.json is not valid (needs \"exit\" and \"openssl\")"
      continue
    fi
    mapfile -t ARGS <"$c/args"
    ARGS=(verify --json "${ARGS[@]}")
  fi
  (cd "$c" && "$TSIGN" "${ARGS[@]}" >"$W/out" 2>"$W/err")
  RC=$?
  sanitizer_check "$W/err" "${ARGS[0]} $name"
  want=$(jq -r .exit "$exp")
  contains=$(jq -r '.error_contains // ""' "$exp")
  diff=""
  if [ "$RC" -ne "$want" ]; then
    diff="exit expected $want, got $RC ($(head -c 200 "$W/err" | tr '\n' ' '))"
  elif [ -n "$contains" ] && ! grep -qF -- "$contains" "$W/err"; then
    diff="stderr lacks '$contains': $(head -c 200 "$W/err" | tr '\n' ' ')"
  elif [ "$want" -eq 3 ]; then
    first=$(head -n 1 "$W/err")
    if [[ "$first" != "tsign: error: "* ]] || [ "$(grep -vc '^hint: ' "$W/err")" -ne 1 ]; then
      diff="input error is not one line 'tsign: error: ...': $(head -c 200 "$W/err" | tr '\n' ' ')"
    elif [ -n "$(tr -d ' \n\t' <"$W/out")" ]; then
      diff="an input error must print no JSON: $(head -c 100 "$W/out")"
    fi
  elif [ "$command" -eq 1 ]; then
    :
  elif ! jq -e . "$W/out" >/dev/null 2>&1; then
    diff="stdout is not one JSON document: $(head -c 200 "$W/out" | tr '\n' ' ')"
  else
    diff=$(jq -r -n --slurpfile e "$exp" --slurpfile a "$W/out" -f "$W/compare.jq" 2>&1 | head -n 1)
  fi
  # files the command must have left alone, and files it must not have written
  if [ -z "$diff" ]; then
    while IFS= read -r f; do
      if [ ! -f "$c/$f" ] || ! cmp -s "$dir/$f" "$c/$f"; then diff="$f was changed or removed"; break; fi
    done < <(jq -r '(.unchanged // [])[]' "$exp")
  fi
  if [ -z "$diff" ]; then
    while IFS= read -r f; do
      if [ -e "$c/$f" ]; then diff="$f was written"; break; fi
    done < <(jq -r '(.absent // [])[]' "$exp")
  fi
  if [ -z "$diff" ]; then ok "$name"; else fail "$name: $diff"; fi

  # OpenSSL's judgement of the same files (not for command cases)
  [ "$command" -eq 1 ] && continue
  want_ossl=$(jq -r .openssl "$exp")
  if [ "$want_ossl" != skip ]; then
    got_ossl=$(openssl_verdict "$c")
    if [ "$got_ossl" != "$want_ossl" ]; then
      fail "openssl:$name: openssl cms -verify now says $got_ossl, expected.json records $want_ossl ($(head -n 1 "$W/ossl.out"))"
    fi
    tsign_verdict=reject; [ "$want" -eq 0 ] && tsign_verdict=accept
    if [ "$tsign_verdict" != "$want_ossl" ]; then
      printf '%s\t%s\t%s\t%s\n' "$name" "$tsign_verdict" "$want_ossl" "$(head -n 1 "$c/case.txt")" >>"$TSV"
    fi
  fi
done
[ "$ncases" -gt 0 ] || fail "no cases found in $CORPUS"
echo
echo "Cases where OpenSSL and the expected tsign verdict disagree ($(($(wc -l <"$TSV") - 1))):"
column -t -s $'\t' "$TSV" 2>/dev/null || cat "$TSV"
finish
