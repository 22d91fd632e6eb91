#!/usr/bin/env bash
# RFC 3161 responses from real TSAs (tests/data/conformance/rfc3161-tsp): all 12 checks of
# expected.tsv judged by `tsign timestamp verify`, plus pinning the TSA by name (the injected-
# certificate spoof must not pass as "CN=Spoofed TSA").
source "$(dirname "$0")/lib.sh"
C=$TSIGN_SOURCE/tests/data/conformance/rfc3161-tsp
[ -f "$C/expected.tsv" ] || { echo "RFC 3161 data not found at $C"; exit 1; }
printf hello >"$W/hello"
root_of() {  # the trust anchor: the last certificate of the folder's ts_chain.pem (DER for identrust)
  local d=$1
  if grep -q BEGIN "$C/$d/ts_chain.pem"; then
    awk '/BEGIN CERT/{b=""} {b=b $0 "\n"} /END CERT/{last=b} END{printf "%s", last}' "$C/$d/ts_chain.pem" >"$W/root-$d.pem"
  else
    cp "$C/$d/ts_chain.pem" "$W/root-$d.pem"
  fi
  echo "$W/root-$d.pem"
}
n=0
while IFS='|' read -r response message request at expected openssl notes; do
  [[ "$response" == \#* || "$response" == response ]] && continue
  d=$(dirname "$response")
  case $message in
    hello) msg=$W/hello ;;
    \(any*) msg=$C/sigstage/README.md ;;
    *) msg=$C/$message ;;
  esac
  args=("$TSIGN" timestamp verify --json --trust "$(root_of "$d")" --untrusted "$C/$d/ts_chain.pem")
  [ "$request" != - ] && args+=(--request "$C/$request")
  run "${args[@]}" "$C/$response" "$msg"
  n=$((n + 1))
  if [ "$expected" = valid ]; then expect_rc 0 "RFC 3161 check $n: $response over $message is valid ($at)"
  else expect_rc 1 "RFC 3161 check $n: $response over $message${request:+ with request $request} is rejected"; fi
done < <(tr '\t' '|' <"$C/expected.tsv")
check "all 12 checks of expected.tsv ran" test "$n" -eq 12

# The TSA is the token's signer, not the first certificate of the bag.
T=$C/test_tsa
real=$(openssl x509 -in "$T/ts_chain.pem" -noout -subject -nameopt compat | sed 's/^subject=//')
run "$TSIGN" timestamp verify --trust "$(root_of test_tsa)" --untrusted "$T/ts_chain.pem" --tsa-name "/CN=Spoofed TSA" "$T/response-injected-certs.tsr" "$W/hello"
expect_rc 1 "injected certificate: pinning 'CN=Spoofed TSA' fails"
expect_out_contains "not by the expected TSA" "the report names the real signer"
run "$TSIGN" timestamp verify --trust "$(root_of test_tsa)" --untrusted "$T/ts_chain.pem" --tsa-name "$real" "$T/response-injected-certs.tsr" "$W/hello"
expect_rc 0 "injected certificate: pinning the real TSA ($real) passes"
# the same-name TSA with another key does not chain to the pinned hierarchy even by name
run "$TSIGN" timestamp verify --trust "$(root_of test_tsa)" --untrusted "$T/ts_chain.pem" --tsa-name "$real" "$T/other_response.tsr" "$W/hello"
expect_rc 1 "same-name, different-key TSA rejected even when the name matches"
# a request that the token does not answer
run "$TSIGN" timestamp verify --trust "$(root_of test_tsa)" --request "$T/other_request.der" "$T/response.tsr" "$W/hello"
expect_rc 1 "token checked against another request: rejected"
expect_out_contains "nonce differs" "the nonce mismatch is named"
# an expired TSA chain is judged at genTime: valid, and the report says when
run "$TSIGN" timestamp verify --json --trust "$(root_of identrust)" "$C/identrust/issue-104.tsr" "$W/hello"
expect_rc 0 "IdenTrust token valid at its genTime although the TSA certificate has expired"
check "genTime reported" test "$(jq -r .time "$W/out")" = 2025-03-11T08:52:08Z
finish
