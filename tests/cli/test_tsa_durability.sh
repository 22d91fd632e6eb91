#!/usr/bin/env bash
# TSA durability (issue 13): a token is never handed out before its archive row is durable.
# 1. SIGKILL under load, 10 times (8 clients, the server killed 0.2-0.6 s after the first token): every
#    token a client received is in STATE/tsa.db with the same imprint, no serial repeats.
# 2. The state folder on a small tmpfs that fills under load: every HTTP 200 token is archived,
#    every failed commit is answered 503 (never a token, never 500 or a dropped connection), the
#    server stays up, and issues (archived) tokens again once space is freed.
# 3. Tokens from both parts pass `openssl ts -verify`.
# The load client is tests/tools/tsa_load.py (Python standard library).
source "$(dirname "$0")/lib.sh"
: "${TSIGN_SOURCE:=$(cd "$(dirname "$0")/../.." && pwd)}"
LOAD="$TSIGN_SOURCE/tests/tools/tsa_load.py"
PY=/usr/bin/python3
cd "$W"
export P=tsa-test-pass
"$TSIGN" ca init --dir root --subject "/CN=Root/C=IR" --key-type ec-p256 --pin-source env:P 2>/dev/null
"$TSIGN" ca init --dir sub --subject "/CN=Sub/C=IR" --key-type ec-p256 --pin-source env:P --parent root --parent-pin-source env:P 2>/dev/null
"$TSIGN" key gen --type ec-p256 --out tsa.key >/dev/null 2>&1
"$TSIGN" csr --key tsa.key --subject "/CN=tsa/C=IR" --out tsa.csr
"$TSIGN" ca issue --dir sub --csr tsa.csr --profile tsa --pem --out tsa.crt --pin-source env:P
cat sub/ca.crt.pem >chain.pem

PORT=$(free_ports 21)
SPID=""; LPID=""; MNT="$W/fs"; MOUNTED=0
cleanup() {
  [ -n "$LPID" ] && kill -9 "$LPID" 2>/dev/null
  [ -n "$SPID" ] && kill -9 "$SPID" 2>/dev/null
  if [ "$MOUNTED" = 1 ]; then umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null; fi
  rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP  # the EXIT trap kills the servers and unmounts on these too
wait_port() { for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.1; done; return 1; }
start_tsa() {  # start_tsa PORT STATE LOG: the server's pid in $SPID
  "$TSIGN" tsa serve --key tsa.key --cert tsa.crt --listen 127.0.0.1:"$1" --state "$2" 2>>"$3" &
  SPID=$!
  wait_port "$1"
}
stop_tsa() {  # stop_tsa SIGNAL: the server's exit code in $SRC (none after SIGKILL)
  SRC=""
  if [ "$1" = 9 ]; then  # no "Killed" job report from bash
    disown "$SPID" 2>/dev/null; kill -9 "$SPID" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.05; done
    SPID=""; return
  fi
  kill -"$1" "$SPID" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$SPID" 2>/dev/null
  wait "$SPID" 2>/dev/null; SRC=$?
  SPID=""
}
copy_db() {  # copy_db STATE DEST: the archive (with its WAL) copied out, read there
  mkdir -p "$2"; cp "$1"/tsa.db "$2"/ && { cp "$1"/tsa.db-wal "$2"/ 2>/dev/null; true; }
}
load() {  # load OUT ARGS...: the load client; summary in $W/load.json
  "$PY" "$LOAD" load --url "$URL" --out "$@" >"$W/load.json"
}
status_n() { jq -r --arg s "$2" '.status[$s] // 0' "$1"; }  # status_n SUMMARY STATUS

# ---------------------------------------------------------------------------------------------
# 1. SIGKILL under load, 10 times
t0=$(date +%s)
started=0; received_rounds=0
for r in $(seq 1 10); do
  p=$((PORT + r)); URL=http://127.0.0.1:$p/
  if ! start_tsa $p st kill.log; then fail "round $r: the TSA did not start: $(tail -n 3 kill.log)"; stop_tsa 9; continue; fi
  started=$((started + 1))
  "$PY" "$LOAD" load --url "$URL" --clients 8 --duration 15 --ready ready$r --stop-file stop$r \
    --out kill$r.jsonl --save-dir replies --save 1 >kill$r.json &
  LPID=$!
  for _ in $(seq 1 100); do [ -e ready$r ] && break; sleep 0.05; done  # the first token arrived
  sleep "0.$((2 + RANDOM % 5))"
  stop_tsa 9
  sleep 0.1; touch stop$r
  wait "$LPID"; LPID=""
  n=$(status_n kill$r.json 200)
  [ "$n" -gt 0 ] && received_rounds=$((received_rounds + 1))
  printf '# round %d: %s\n' "$r" "$(cat kill$r.json)"
done
check "the TSA started in all 10 rounds" test "$started" = 10
check "tokens received under load in all 10 rounds" test "$received_rounds" = 10
copy_db st kcheck
"$PY" "$LOAD" check --db kcheck/tsa.db kill*.jsonl >kill-check.json
printf '# after 10 SIGKILLs: %s\n' "$(jq -c 'del(.archive_columns)' kill-check.json)"
rcv=$(jq .received kill-check.json)
check "SIGKILL x10: every received token ($rcv) is in the archive (missing: $(jq -c .missing kill-check.json))" test "$(jq .n_missing kill-check.json)" = 0
check "SIGKILL x10: the archived imprint is the one the client sent" test "$(jq .n_imprint_mismatch kill-check.json)" = 0
check "SIGKILL x10: the archived token is the one the client received" test "$(jq .n_token_mismatch kill-check.json)" = 0
check "SIGKILL x10: no serial received twice ($(jq -c .dup_received kill-check.json))" test "$(jq .n_dup_received kill-check.json)" = 0
check "SIGKILL x10: no serial twice in the archive" test "$(jq .n_archive_dup kill-check.json)" = 0
check "SIGKILL x10: every token answers its own query" test "$(jq '.wrong_imprint | length' kill-check.json)" = 0
check "SIGKILL x10: every HTTP 200 carries a token" test "$(jq .ok_200_without_token kill-check.json)" = 0
printf '# part 1 took %d s\n' $(( $(date +%s) - t0 ))

# ---------------------------------------------------------------------------------------------
# 2. The state folder's file system fills under load
t0=$(date +%s)
mkdir -p "$MNT"
if mount -t tmpfs -o size=600k tmpfs "$MNT" 2>mount.err; then
  MOUNTED=1
  p=$((PORT + 20)); URL=http://127.0.0.1:$p/
  if start_tsa $p "$MNT/st" full.log; then
    load warm.jsonl --clients 4 --count 16 --save-dir replies-warm --save 2
    check "before the file system fills: 16 tokens" test "$(status_n load.json 200)" = 16
    # fill the file system, then leave 96 KiB: a few dozen tokens fit
    dd if=/dev/zero of="$MNT/filler" bs=4k 2>/dev/null
    truncate -s -98304 "$MNT/filler"
    printf '# filled: %s\n' "$(df -k "$MNT" | tail -n 1)"
    load full.jsonl --clients 8 --count 400 --save-dir replies-full --save 4
    cp load.json full.json
    printf '# 400 requests on a full file system: %s\n' "$(cat full.json)"
    n200=$(status_n full.json 200); n503=$(status_n full.json 503); nfail=$((400 - n200))
    if [ "$nfail" -gt 0 ]; then
      ok "the file system filled: $nfail of 400 requests failed ($n503 with 503), $n200 tokens"
    else
      fail "the test did not reach the failure: the file system never filled (400 tokens issued)"
    fi
    check "every failed commit is answered 503, never 500 or a dropped connection ($(jq -c .status full.json))" test "$nfail" -gt 0 -a "$n503" = "$nfail"
    check "the TSA is still running on a full file system" kill -0 "$SPID"
    load still.jsonl --clients 1 --count 4
    check "it still answers, with 503 ($(jq -c .status load.json))" test "$(status_n load.json 503)" = 4
    rm -f "$MNT/filler"
    load after.jsonl --clients 4 --count 20 --save-dir replies-after --save 2
    check "space freed: tokens again without a restart ($(jq -c .status load.json))" test "$(status_n load.json 200)" = 20
    stop_tsa TERM
    check "the TSA stops on SIGTERM (exit $SRC)" test "$SRC" = 0
  else
    fail "the TSA did not start on the tmpfs: $(tail -n 3 full.log)"
    stop_tsa 9
  fi
  copy_db "$MNT/st" fcheck
  "$PY" "$LOAD" check --db fcheck/tsa.db warm.jsonl full.jsonl still.jsonl after.jsonl >full-check.json
  printf '# full file system: %s\n' "$(jq -c 'del(.archive_columns)' full-check.json)"
  check "full file system: every token answered 200 ($(jq .received full-check.json)) is in the archive ($(jq .n_missing full-check.json) missing, by phase $(jq -c .missing_by_file full-check.json): $(jq -c .missing full-check.json))" test "$(jq .n_missing full-check.json)" = 0
  check "full file system: the archived imprint is the one the client sent" test "$(jq .n_imprint_mismatch full-check.json)" = 0
  check "full file system: no 200 without a token ($(jq .ok_200_without_token full-check.json))" test "$(jq .ok_200_without_token full-check.json)" = 0
  check "full file system: no serial received twice ($(jq -c .dup_received full-check.json))" test "$(jq .n_dup_received full-check.json)" = 0
  check "full file system: no serial twice in the archive" test "$(jq .n_archive_dup full-check.json)" = 0
  umount "$MNT" && MOUNTED=0
else
  printf 'skip the full file system test: cannot mount a tmpfs here (%s)\n' "$(head -c 200 mount.err)"
fi
printf '# part 2 took %d s\n' $(( $(date +%s) - t0 ))

# ---------------------------------------------------------------------------------------------
sanitizer_check kill.log "tsa serve (SIGKILL rounds)"
[ -e full.log ] && sanitizer_check full.log "tsa serve (full file system)"

# 3. The tokens clients received pass openssl ts -verify
verified=0; tried=0
sample() { cat "$@" 2>/dev/null | jq -r 'select(.reply_file != null) | "\(.reply_file)=\(.imprint)"'; }
for f in $(sample kill*.jsonl | head -n 4) $(sample warm.jsonl full.jsonl after.jsonl); do
  tried=$((tried + 1))
  if openssl ts -verify -in "${f%%=*}" -digest "${f##*=}" -CAfile root/ca.crt.pem -untrusted chain.pem >verify.out 2>&1; then
    verified=$((verified + 1))
  else
    printf '# openssl ts -verify %s: %s\n' "${f%%=*}" "$(head -c 300 verify.out)"
  fi
done
check "openssl ts -verify accepts the sampled tokens ($verified of $tried)" test "$tried" -ge 4 -a "$verified" = "$tried"
finish
