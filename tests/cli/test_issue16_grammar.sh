#!/usr/bin/env bash
# Issue 16, "one CLI grammar" (signing and batch): the JSON key is `warnings` (cert verify, timestamp
# verify); `--force` only overwrites an output, and a second signature by the same certificate needs
# `--allow-same-signer`; sign/cosign --help list exit 5; the batch report path has no double slash;
# a killed batch never leaves batch-report.json describing an earlier run; --pss uses SHA-256 unless
# --digest says otherwise (GnuTLS certtool accepts it); serial numbers in verify's output are hex.
source "$(dirname "$0")/lib.sh"
cd "$W"
bash "$TSIGN_SOURCE/certs-sample/make-sample.sh" "$W/s" >/dev/null
S=$W/s
export SAMPLE_PASS=tsign-sample
printf 'صورتجلسه کمیسیون مناقصه ۱۴۰۵-۱۶\n' >minutes.txt
TRUST=(--trust "$S/root.crt.pem" --untrusted "$S/intermediate.crt.pem")
key() { echo --key "$S/signer-$1.key.pem" --cert "$S/signer-$1.crt.pem" --pin-source env:SAMPLE_PASS --chain "$S/intermediate.crt.pem"; }
ossl_ok() {  # ossl_ok SIG CONTENT: openssl cms -verify accepts it
  openssl cms -verify -binary -inform DER -in "$1" -content "$2" -CAfile "$S/root.crt.pem" -purpose any -out /dev/null
}
signer_count() { openssl cms -cmsout -print -inform DER -in "$1" | grep -c "d.issuerAndSerialNumber:"; }  # SignerInfos
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$W"' EXIT
PORT=$(free_ports 3); DEAD=$((PORT + 1)); SLOW=$((PORT + 2))
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { for _ in $(seq 1 100); do port_open "$1" && return 0; sleep 0.1; done; return 1; }

# --- 1. the JSON key is "warnings", not "notes" ---------------------------------------------------
run "$TSIGN" cert verify --json "${TRUST[@]}" --revocation auto "$S/signer-ali-rezaei.crt.pem"
expect_rc 0 "cert verify --json (revocation auto, offline)"
check "cert verify --json: a warnings array" jq -e '.warnings | type == "array"' "$W/out"
check "cert verify --json: what was not checked is in warnings" jq -e '.warnings | length >= 1' "$W/out"
check "cert verify --json: no notes key" jq -e 'has("notes") | not' "$W/out"
"$TSIGN" tsa serve --key "$S/tsa.key.pem" --pin-source env:SAMPLE_PASS --cert "$S/tsa.crt.pem" --listen "127.0.0.1:$PORT" --state tsa 2>tsa.log &
PIDS+=($!)
check "the TSA starts" wait_port "$PORT"
run "$TSIGN" timestamp --tsa "http://127.0.0.1:$PORT/" minutes.txt
expect_rc 0 "a timestamp"
check "openssl ts -verify accepts the timestamp" openssl ts -verify -in minutes.txt.tsr -data minutes.txt -CAfile "$S/root.crt.pem" \
  -untrusted "$S/intermediate.crt.pem"
run "$TSIGN" timestamp verify --json "${TRUST[@]}" minutes.txt.tsr minutes.txt
expect_rc 0 "timestamp verify --json"
check "timestamp verify --json: a warnings array" jq -e '.warnings | type == "array"' "$W/out"
check "timestamp verify --json: no notes key" jq -e 'has("notes") | not' "$W/out"

# --- 2. --force overwrites; --allow-same-signer allows a second signature by the same certificate --
# shellcheck disable=SC2046
run "$TSIGN" sign $(key ali-rezaei) --out one.p7s minutes.txt
expect_rc 0 "Ali signs"
# shellcheck disable=SC2046
run "$TSIGN" cosign --signature one.p7s --content minutes.txt $(key ali-rezaei) --out twice.p7s
expect_rc 3 "cosign by the same certificate: refused"
expect_err_contains "has signed this document already" "the refusal says why"
expect_err_contains "hint: use --allow-same-signer" "the hint names --allow-same-signer"
expect_absent twice.p7s "nothing written when refused"
# shellcheck disable=SC2046
run "$TSIGN" cosign --signature one.p7s --content minutes.txt $(key ali-rezaei) --force --out twice.p7s
expect_rc 3 "cosign --force by the same certificate: still refused (--force only overwrites)"
expect_err_contains "has signed this document already" "--force: the same refusal"
expect_absent twice.p7s "--force: nothing written"
# shellcheck disable=SC2046
run "$TSIGN" cosign --signature one.p7s --content minutes.txt $(key ali-rezaei) --allow-same-signer --out twice.p7s
expect_rc 0 "cosign --allow-same-signer: accepted"
check "openssl accepts the signature with Ali twice" ossl_ok twice.p7s minutes.txt
check "two SignerInfos" test "$(signer_count twice.p7s)" -eq 2
# --out to an existing file: exit 3 without --force, overwritten with it
printf 'keep me\n' >exists.p7s
# shellcheck disable=SC2046
run "$TSIGN" cosign --signature one.p7s --content minutes.txt $(key sara-ahmadi) --out exists.p7s
expect_rc 3 "cosign --out an existing file without --force: refused"
expect_err_contains "file exists" "the refusal says the output exists"
check "the existing file is unchanged" test "$(cat exists.p7s)" = "keep me"
# shellcheck disable=SC2046
run "$TSIGN" cosign --signature one.p7s --content minutes.txt $(key sara-ahmadi) --out exists.p7s --force
expect_rc 0 "cosign --out an existing file with --force: overwritten"
check "openssl accepts the overwritten output" ossl_ok exists.p7s minutes.txt
check "Ali and Sara in it" test "$(signer_count exists.p7s)" -eq 2
# in place (no --out) needs no --force
cp one.p7s inplace.p7s
# shellcheck disable=SC2046
run "$TSIGN" cosign --signature inplace.p7s --content minutes.txt $(key sara-ahmadi)
expect_rc 0 "cosign in place without --force"
check "openssl accepts the updated signature" ossl_ok inplace.p7s minutes.txt
# help: --force means overwrite in every command that has it
run "$TSIGN" cosign --help
check "cosign --help: --allow-same-signer" grep -qE '^ +--allow-same-signer +allow a second signature by a certificate that has signed' "$W/out"
check "cosign --help: --force overwrites" grep -qE '^ +--force +overwrite an existing --out file' "$W/out"
run "$TSIGN" sign --help
check "sign --help: --allow-same-signer (PDF)" grep -qE '^ +--allow-same-signer +PDF: allow a second signature' "$W/out"
subcommands() {  # subcommands HELPTEXT-FILE: the names listed under SUBCOMMANDS (or any command group)
  awk '/^[A-Z][A-Z ,/-]*:$/ {sect = $0; next} sect !~ /OPTIONS|POSITIONALS|EXAMPLES|EXIT CODES/ && /^  [a-z][a-z0-9-]+  / {print $1}' "$1" | sort -u
}
"$TSIGN" --help >main-help.txt 2>&1
FORCE_CMDS=() BAD=()
for c in $(subcommands main-help.txt); do
  "$TSIGN" "$c" --help >h.txt 2>&1 || continue
  grep -qE '^ +--force ' h.txt && { FORCE_CMDS+=("$c"); grep -qE '^ +--force +overwrite ' h.txt || BAD+=("$c: $(grep -E '^ +--force ' h.txt)"); }
  for sub in $(subcommands h.txt); do
    "$TSIGN" "$c" "$sub" --help >hs.txt 2>&1 || continue
    grep -qE '^ +--force ' hs.txt && { FORCE_CMDS+=("$c $sub"); grep -qE '^ +--force +overwrite ' hs.txt || BAD+=("$c $sub: $(grep -E '^ +--force ' hs.txt)"); }
  done
done
check "the --force help of every command was read (sign, cosign, batch, ca issue among them)" \
  bash -c 'for c in sign cosign batch "ca issue"; do printf "%s\n" "$@" | grep -qx "$c" || exit 1; done' _ "${FORCE_CMDS[@]}"
if [ "${#BAD[@]}" -eq 0 ]; then ok "every --force means 'overwrite ...' (${#FORCE_CMDS[@]} commands)"; else fail "--force help not 'overwrite': ${BAD[*]}"; fi

# --- 3. sign/cosign --help list exit 5, and it is what they return when the TSA is down ------------
for c in sign cosign; do
  run "$TSIGN" $c --help
  check "$c --help lists exit 5 (network: TSA)" grep -qE '^  5  network error \(--tsa' <(sed -n '/^EXIT CODES:/,$p' "$W/out")
done
run "$TSIGN" batch --help
check "batch --help lists 0 2 3 4 5 6 130" test "$(sed -n '/^EXIT CODES:/,$p' "$W/out" | grep -oE '^  [0-9]+ ' | tr -d ' ' | tr '\n' ' ')" = "0 2 3 4 5 6 130 "
run "$TSIGN" extend --help
check "extend --help lists 0 1 2 3 5 6" test "$(sed -n '/^EXIT CODES:/,$p' "$W/out" | grep -oE '^  [0-9]+ ' | tr -d ' ' | tr '\n' ' ')" = "0 1 2 3 5 6 "
# shellcheck disable=SC2046
run "$TSIGN" sign $(key ali-rezaei) --tsa "http://127.0.0.1:$DEAD/" --out dead.p7s minutes.txt
expect_rc 5 "sign --tsa with the TSA down: exit 5"
expect_absent dead.p7s "nothing written"
# shellcheck disable=SC2046
run "$TSIGN" cosign --signature one.p7s --content minutes.txt $(key sara-ahmadi) --tsa "http://127.0.0.1:$DEAD/" --out dead2.p7s
expect_rc 5 "cosign --tsa with the TSA down: exit 5"
expect_absent dead2.p7s "nothing written (cosign)"

# --- 4. the batch report path without a double slash ------------------------------------------------
mkdir -p first && for i in 1 2 3 4 5; do printf 'first run %d\n' "$i" >"first/a$i.txt"; done
# shellcheck disable=SC2046
run "$TSIGN" batch $(key ali-rezaei) --out-dir "$W/kd/" first
expect_rc 0 "a batch with --out-dir ending in /"
expect_err_contains "report: $W/kd/batch-report.json" "the report path is printed"
check "no double slash in the report path" bash -c "! grep -q '//batch-report.json' '$W/err'"
check "first run: the report says ended" test "$(jq -r .run.state kd/batch-report.json)" = ended
check "first run: 5 signed" test "$(jq -r .summary.signed kd/batch-report.json)" = 5
check "first run: a run id and start time" jq -e '(.run.id | test("^[0-9A-Fa-f]{32}$")) and (.run.started | test("^20"))' kd/batch-report.json
check "openssl accepts a first-run output" ossl_ok kd/a3.txt.p7s first/a3.txt
FIRST_ID=$(jq -r .run.id kd/batch-report.json)

# --- 5. kill -9 mid-batch: the report never describes the earlier run -----------------------------
# A TSA that accepts connections and never answers: every worker waits; the batch is killed meanwhile.
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(128)
held = []
while True:
    c, _ = s.accept(); held.append(c)
' "$SLOW" &
PIDS+=($!)
SLOW_PID=$!
check "the silent TSA listens" wait_port "$SLOW"
mkdir -p second && for i in $(seq 1 20); do printf 'second run %d\n' "$i" >"second/b$i.txt"; done
# shellcheck disable=SC2046
"$TSIGN" batch $(key ali-rezaei) --tsa "http://127.0.0.1:$SLOW/" --timeout 60 --jobs 2 --quiet --out-dir kd second 2>/dev/null &
BPID=$!
for _ in $(seq 1 100); do
  [ "$(jq -r '.run.id // empty' kd/batch-report.json 2>/dev/null)" != "$FIRST_ID" ] && break
  sleep 0.1
done
sleep 0.5  # the workers are waiting for the TSA
kill -9 $BPID 2>/dev/null; wait $BPID 2>/dev/null
check "after kill -9: batch-report.json exists" test -s kd/batch-report.json
check "after kill -9: the report is another run's than the first" test "$(jq -r .run.id kd/batch-report.json)" != "$FIRST_ID"
check "after kill -9: the report says running (it was killed)" test "$(jq -r .run.state kd/batch-report.json)" = running
check "after kill -9: no input of the first run in it" jq -e '[.entries[].input | test("first/")] | any | not' kd/batch-report.json
check "after kill -9: the killed run's 20 inputs, not done" \
  jq -e '(.entries | length) == 20 and ([.entries[] | select(.status == "not_done")] | length) == 20 and .summary.exit_code == null' kd/batch-report.json
check "after kill -9: no output of the killed run" test -z "$(find kd -name 'b*.p7s')"
kill "$SLOW_PID" 2>/dev/null
# --resume finishes it
# shellcheck disable=SC2046
run "$TSIGN" batch $(key ali-rezaei) --resume --out-dir kd second
expect_rc 0 "--resume after the kill"
check "resumed: the report says ended, 20 signed" test "$(jq -r '"\(.run.state) \(.summary.signed)"' kd/batch-report.json)" = "ended 20"
check "openssl accepts a resumed output" ossl_ok kd/b7.txt.p7s second/b7.txt
# shellcheck disable=SC2046
run "$TSIGN" batch $(key ali-rezaei) --resume --out-dir kd first second
expect_rc 0 "--resume over both runs' inputs: nothing to do"
check "25 skipped" test "$(jq -r .summary.skipped kd/batch-report.json)" = 25
run "$TSIGN" batch --help
check "batch --help explains the report's running state" grep -q 'still "running"' "$W/out"

# --- 6. --pss: SHA-256 unless --digest says otherwise ----------------------------------------------
"$TSIGN" key gen --type rsa3072 --out r3072.key >/dev/null 2>&1
"$TSIGN" csr --key r3072.key --subject "/CN=RSA 3072/C=IR" --pem --out r3072.csr
openssl x509 -req -in r3072.csr -CA "$S/intermediate.crt.pem" -CAkey "$S/intermediate.key.pem" -passin env:SAMPLE_PASS -days 30 \
  -extfile <(printf 'keyUsage=critical,digitalSignature,nonRepudiation\nbasicConstraints=critical,CA:FALSE\n') -out r3072.crt 2>/dev/null
RKEY=(--key r3072.key --cert r3072.crt --chain "$S/intermediate.crt.pem")
pss_hashes() {  # pss_hashes SIG: the digestAlgorithm, then the hash and MGF1 hash of the RSASSA-PSS parameters
  openssl cms -cmsout -print -inform DER -in "$1" >p.txt
  sed -n '/digestAlgorithm:/{n;p}' p.txt | head -1 | awk '{print $2}'
  sed -n '/signatureAlgorithm:/,/ signature:/p' p.txt | grep -oE 'OBJECT +:sha[0-9]+' | awk -F: '{print $2}'
}
run "$TSIGN" sign "${RKEY[@]}" --pss --out pss.p7s minutes.txt
expect_rc 0 "RSA-3072 --pss without --digest"
check "--pss alone: rsassaPss" grep -q rsassaPss <(openssl cms -cmsout -print -inform DER -in pss.p7s)
check "--pss alone: SHA-256 message digest, PSS hash and MGF1 hash" test "$(pss_hashes pss.p7s | tr '\n' ' ')" = "sha256 sha256 sha256 "
check "--pss alone: openssl accepts it" ossl_ok pss.p7s minutes.txt
check "--pss alone: GnuTLS certtool accepts it" grep -q "Signature status: ok" \
  <(certtool --p7-verify --load-ca-certificate "$S/root.crt.pem" --load-data minutes.txt --infile pss.p7s --inder 2>&1)
run "$TSIGN" sign "${RKEY[@]}" --pss --digest sha384 --out pss384.p7s minutes.txt
expect_rc 0 "RSA-3072 --pss --digest sha384"
check "--digest sha384 --pss: SHA-384 throughout" test "$(pss_hashes pss384.p7s | tr '\n' ' ')" = "sha384 sha384 sha384 "
check "--digest sha384 --pss: openssl accepts it" ossl_ok pss384.p7s minutes.txt
mkdir -p pssin && cp minutes.txt pssin/
run "$TSIGN" batch "${RKEY[@]}" --pss --quiet --out-dir pssout pssin
expect_rc 0 "batch --pss"
check "batch --pss alone: SHA-256 throughout" test "$(pss_hashes pssout/minutes.txt.p7s | tr '\n' ' ')" = "sha256 sha256 sha256 "
# shellcheck disable=SC2046
run "$TSIGN" cosign --signature one.p7s --content minutes.txt "${RKEY[@]}" --pss --out pss-co.p7s
expect_rc 0 "cosign --pss"
check "cosign --pss: openssl accepts both signers" ossl_ok pss-co.p7s minutes.txt
run "$TSIGN" sign --help
check "sign --help: --pss says SHA-256 unless --digest" grep -q "with SHA-256 unless --digest" "$W/out"

# --- 7. serial numbers are hex in verify's output ---------------------------------------------------
HEX=$(openssl x509 -in "$S/signer-ali-rezaei.crt.pem" -noout -serial | cut -d= -f2)
run "$TSIGN" verify --json "${TRUST[@]}" one.p7s minutes.txt
expect_rc 0 "verify --json"
check "verify --json: the signer's serial in hex (as openssl prints it)" test "$(jq -r '.signers[0].serial' "$W/out")" = "$HEX"
run "$TSIGN" verify "${TRUST[@]}" one.p7s minutes.txt
expect_out_contains "serial:     $HEX" "verify: the serial in hex"
run "$TSIGN" timestamp verify --json "${TRUST[@]}" minutes.txt.tsr minutes.txt
check "timestamp verify --json: the token's serial in hex (as openssl ts prints it)" test "$(jq -r .serial "$W/out" | sed 's/^0*//')" = \
  "$(openssl ts -reply -in minutes.txt.tsr -text 2>/dev/null | sed -n 's/^Serial number: 0x//p' | tr a-f A-F | sed 's/^0*//')"

finish
