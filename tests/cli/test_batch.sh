#!/usr/bin/env bash
# tsign batch: 500 documents with a file key and with a SoftHSM2 token key, every output accepted
# by `openssl cms -verify`; kill -9 mid-batch and --resume (each input signed exactly once, no
# partial .p7s); a changed input re-signed on resume; per-input errors; the token pulled out
# mid-batch (exit 4, a report of what was done); manifest; CSV; folder structure kept.
source "$(dirname "$0")/lib.sh"
: "${P11SHIM:?set P11SHIM to the p11shim module}"
cd "$W"
S=$TSIGN_SOURCE/certs-sample
export KP=tsign-sample PIN=123456
KEY=(--key "$S/signer-ali-rezaei.key.pem" --pin-source env:KP --cert "$S/signer-ali-rezaei.crt.pem" --chain "$S/intermediate.crt.pem")
mkdir -p docs/2026/azar docs/2026/dey
for i in $(seq 1 250); do head -c 4096 /dev/urandom >"docs/2026/azar/voucher-$i.bin"; done
for i in $(seq 1 250); do printf 'سند پرداخت %d\n' "$i" >"docs/2026/dey/سند-$i.txt"; done
verify_all() {  # verify_all OUTDIR: every input under docs has a .p7s that openssl accepts
  local bad=0 n=0
  while IFS= read -r -d '' f; do
    rel=${f#docs/}
    n=$((n + 1))
    openssl cms -verify -binary -inform DER -in "$1/$rel.p7s" -content "$f" -CAfile "$S/root.crt.pem" -purpose any -out /dev/null 2>/dev/null || bad=$((bad + 1))
  done < <(find docs -type f -print0)
  [ "$n" -eq 500 ] && [ "$bad" -eq 0 ]
}

run "$TSIGN" batch "${KEY[@]}" --csv --out-dir signed docs
expect_rc 0 "500 documents with a file key"
check "the report says 500 signed" test "$(jq -r '.summary.signed' signed/batch-report.json)" = 500
check "folder structure kept" test -f "signed/2026/dey/سند-7.txt.p7s"
check "every output accepted by openssl cms -verify" verify_all signed
check "report entries carry input, sha256, output, status" \
  jq -e '.entries[0] | has("input") and has("sha256") and has("output") and has("status") and has("error")' signed/batch-report.json
check "sha256 in the report is the input's" test "$(jq -r '.entries[] | select(.input | endswith("azar/voucher-1.bin")) | .sha256' signed/batch-report.json)" = \
  "$(sha256sum docs/2026/azar/voucher-1.bin | cut -d' ' -f1)"
check "CSV report: a header and 500 rows" test "$(wc -l <signed/batch-report.csv)" -eq 501
check "nothing on stdout without --json" test ! -s "$W/out"
check "no temporary files left" test -z "$(find signed -name '.*tmp-*')"

# resume: nothing to do, then one input changed
run "$TSIGN" batch "${KEY[@]}" --resume --out-dir signed docs
expect_rc 0 "resume of a finished batch"
check "500 already signed" test "$(jq -r '.summary.skipped' signed/batch-report.json)" = 500
printf 'changed\n' >>docs/2026/azar/voucher-3.bin
run "$TSIGN" batch "${KEY[@]}" --resume --json --out-dir signed docs
expect_rc 0 "resume after one input changed"
check "the changed input is re-signed and reported" test "$(jq -r '.entries[] | select(.input | endswith("azar/voucher-3.bin")) | .status' "$W/out")" = resigned
check "--json prints the report on stdout" test "$(jq -r '.summary.skipped' "$W/out")" = 499
check "the re-signed output verifies against the new input" openssl cms -verify -binary -inform DER -in signed/2026/azar/voucher-3.bin.p7s \
  -content docs/2026/azar/voucher-3.bin -CAfile "$S/root.crt.pem" -purpose any -out /dev/null
run "$TSIGN" batch "${KEY[@]}" --out-dir signed docs
expect_rc 3 "without --resume or --force, existing outputs fail per input"

# kill -9 at some point, then resume: every input signed exactly once, no partial files
for attempt in 1 2 3; do
  rm -rf kout
  "$TSIGN" batch "${KEY[@]}" --jobs 2 --quiet --out-dir kout docs 2>/dev/null &
  pid=$!
  sleep "0.0$((attempt * 3))"
  kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
  before=$(find kout -name '*.p7s' 2>/dev/null | wc -l)
  run "$TSIGN" batch "${KEY[@]}" --resume --out-dir kout docs
  expect_rc 0 "killed after $before outputs (attempt $attempt), resumed"
  check "attempt $attempt: skipped = outputs before, signed = the rest" \
    test "$(jq -r '"\(.summary.skipped) \(.summary.signed + .summary.resigned)"' kout/batch-report.json)" = "$before $((500 - before))"
  check "attempt $attempt: every input has exactly one valid signature" verify_all kout
  check "attempt $attempt: no temporary files left" test -z "$(find kout -name '.*tmp-*')"
done

# per-input errors: the batch goes on, exits 3 at the end
mkdir -p bad
printf 'ok\n' >bad/a.txt
printf 'ok\n' >bad/c.txt
head -c 3000 /dev/zero >bad/big.bin
printf 'secret\n' >bad/b.txt && chmod 000 bad/b.txt
printf 'bad/a.txt\nbad/b.txt\nbad/missing.txt\nbad/big.bin\n# a comment\nbad/c.txt\n' >list.txt
run "$TSIGN" batch "${KEY[@]}" --manifest list.txt --max-size 2048 --out-dir bout
if [ "$(id -u)" = 0 ]; then expected_failed=2; else expected_failed=3; fi  # root reads mode-000 files
expect_rc 3 "per-input errors: exit 3 at the end"
check "the good inputs are signed" test -f bout/a.txt.p7s -a -f bout/c.txt.p7s
check "failed inputs reported with a reason" test "$(jq -r '.summary.failed' bout/batch-report.json)" = $expected_failed
check "missing input named" jq -e '.entries[] | select(.input | endswith("missing.txt")) | .error | test("missing|not found|No such")' bout/batch-report.json
check "too large named" jq -e '.entries[] | select(.input | endswith("big.bin")) | .error | test("too large")' bout/batch-report.json
chmod 600 bad/b.txt
# two inputs that would share an output name: the second fails, the first is signed
mkdir -p same/x same/y && printf '1\n' >same/x/a.txt && printf '2\n' >same/y/a.txt
run "$TSIGN" batch "${KEY[@]}" --out-dir sout same/x/a.txt same/y/a.txt
expect_rc 3 "output name collision: exit 3"
check "the collision is named" jq -e '.entries[1].error | test("taken by")' sout/batch-report.json
check "the first one is signed" test "$(jq -r '.entries[0].status' sout/batch-report.json)" = signed
# progress without a terminal: plain lines on stderr, stdout untouched
run "$TSIGN" batch "${KEY[@]}" --out-dir prog docs
check "a plain progress line on stderr" grep -q "tsign batch: 500/500 done" "$W/err"
check "stdout stays empty" test ! -s "$W/out"

# --tsa: B-T for every document, timestamps requested by many workers at once
TPORT=$(free_ports 1)
"$TSIGN" tsa serve --key "$S/tsa.key.pem" --pin-source env:KP --cert "$S/tsa.crt.pem" --listen 127.0.0.1:$TPORT --state tsa 2>tsa.log &
TSA_PID=$!
trap 'kill $TSA_PID 2>/dev/null; rm -rf "$W"' EXIT
for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$TPORT/" && break; sleep 0.1; done
mkdir -p few && for i in $(seq 1 30); do printf 'voucher %d\n' "$i" >"few/v$i.txt"; done
run "$TSIGN" batch "${KEY[@]}" --tsa "http://127.0.0.1:$TPORT/" --out-dir tsout few
expect_rc 0 "batch with --tsa"
check "30 timestamps in the TSA's archive" test "$("$TSIGN" tsa list --state tsa --json | jq '.timestamps | length')" -eq 30
run "$TSIGN" verify --json --trust "$S/root.crt.pem" tsout/v7.txt.p7s few/v7.txt
expect_rc 0 "a B-T output verifies"
check "its timestamp is reported" jq -e '.signers[0].timestamp_time != null and .signers[0].level == "B-T"' "$W/out"
kill $TSA_PID; wait $TSA_PID 2>/dev/null
run "$TSIGN" batch "${KEY[@]}" --tsa "http://127.0.0.1:$TPORT/" --timeout 2 --out-dir tsdown few
expect_rc 5 "the TSA down: every input fails with a network error, exit 5"
check "nothing written for them" test -z "$(find tsdown -name '*.p7s')"

# a SoftHSM2 token: one login for the whole batch
new_token finance
"$TSIGN" token keygen --token finance --label sign --type ec-p256 --pin-source env:PIN >/dev/null 2>&1
"$TSIGN" csr --key "pkcs11:token=finance;object=sign" --pin-source env:PIN --subject "/CN=امور مالی/C=IR" --pem --out fin.csr
openssl x509 -req -in fin.csr -CA "$S/intermediate.crt.pem" -CAkey "$S/intermediate.key.pem" -passin env:KP -days 30 \
  -extfile <(printf 'keyUsage=critical,digitalSignature,nonRepudiation\nbasicConstraints=critical,CA:FALSE\n') -out fin.crt 2>/dev/null
TKEY=(--key "pkcs11:token=finance;object=sign" --pin-source env:PIN --cert fin.crt --chain "$S/intermediate.crt.pem")
run "$TSIGN" batch "${TKEY[@]}" --out-dir tout docs
expect_rc 0 "500 documents with a token key"
check "every token output accepted by openssl cms -verify" verify_all tout
# the token pulled out after 100 signatures: exit 4, a report of what was done, nothing partial
run env TSIGN_PKCS11_MODULE="$P11SHIM" P11SHIM_TARGET="$SOFTHSM_MODULE" P11SHIM_REMOVE_AFTER=100 \
  "$TSIGN" batch "${TKEY[@]}" --out-dir pout docs
expect_rc 4 "token pulled out mid-batch: exit 4"
expect_err_contains "stopped" "the stop is reported"
check "the report says what was done" test "$(jq -r '"\(.summary.signed) \(.summary.stopped)"' pout/batch-report.json)" = "100 true"
check "the rest is not_done" test "$(jq -r '.summary.not_done' pout/batch-report.json)" = 400
check "no temporary files after the stop" test -z "$(find pout -name '.*tmp-*')"
run "$TSIGN" batch "${TKEY[@]}" --resume --out-dir pout docs
expect_rc 0 "token back: resume finishes the batch"
check "100 skipped, 400 signed" test "$(jq -r '"\(.summary.skipped) \(.summary.signed)"' pout/batch-report.json)" = "100 400"
check "every output valid after the resume" verify_all pout
finish
