#!/usr/bin/env bash
# Issue 13 HTTP benchmark: figures and ratios from ONE run (a report, never a test; nothing asserts).
#   1. OCSP pre-signed, keep-alive: wrk -t 2 -c 64 --latency, GET of an RFC 5019 URL, against
#      `tsign ocsp serve` and nginx serving the same response bytes as a static file.
#   2. OCSP, a new connection per request: ab -c 8 -n 20000, tsign vs nginx vs `openssl ocsp -port`.
#   3. TSA keep-alive: wrk -t 2 -c 64 POSTing one fixed query (bench/tsa.lua) to `tsign tsa serve`
#      with an ECDSA P-256 key, an RSA-2048 key and an ec-p256 key on a SoftHSM2 token, against the
#      raw signing rate of `openssl speed -multi $(nproc)` measured in the same run.
#   4. Slow and idle clients (bench/slow_clients.py): 2,000 half-sent request heads held open, then
#      10,000 idle keep-alive connections (server with --max-connections 12000); normal OCSP GETs
#      timed meanwhile (a fresh connection each), server RSS from /proc/PID/status, /metrics.
#   5. A CA with 100,000 certificates and an RSA-2048 key (bench/ocsp_100k.sh): time from the start of
#      `tsign ocsp serve` to /healthz and to the first OCSP answer, 200 GETs for random serials in the
#      first 5 s (p50/p99, how many were pre-signed), cache entries at 1/5/10/30 s, the time until the
#      background pre-signing is done (at most 180 s), and the RSS then.
# Usage: bench/run_http.sh [BUILD_DIR]
# Knobs: BENCH_SECONDS (wrk duration, 8), BENCH_AB (ab requests, 20000), BENCH_HOLD (2000),
#        BENCH_IDLE (10000), BENCH_TIMED (500 timed requests in part 4);
#        BENCH_100K_CERTS, BENCH_100K_REQS, BENCH_100K_WAIT for part 5 (see bench/ocsp_100k.sh).
# Needs wrk, ab, nginx (nginx-light), openssl, curl, jq, sqlite3, softhsm2, /usr/bin/python3.
set -euo pipefail
# The load tools and the static server are for benchmarks only (not in scripts/install-deps.sh).
missing=(); for t in wrk:wrk ab:apache2-utils nginx:nginx-light; do command -v "${t%%:*}" >/dev/null || missing+=("${t#*:}"); done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "run_http.sh needs: ${missing[*]} (apt-get install them as root)" >&2; exit 2; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
  pkill -x nginx 2>/dev/null || true  # the package starts one; the benchmark runs its own
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
TSIGN=$BUILD/cli/tsign
PY=/usr/bin/python3
SECS=${BENCH_SECONDS:-8}
N_AB=${BENCH_AB:-20000}
N_HOLD=${BENCH_HOLD:-2000}
N_IDLE=${BENCH_IDLE:-10000}
N_TIMED=${BENCH_TIMED:-500}
NPROC=$(nproc)
SOFTHSM_MODULE=/usr/lib/softhsm/libsofthsm2.so

W=$(mktemp -d /tmp/tsign-bench-http-XXXXXX)
PIDS=()
cleanup() {
  local p c
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for _ in $(seq 1 30); do
    c=0; for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && c=1; done
    ((c)) || break; sleep 0.1
  done
  for p in "${PIDS[@]}"; do
    # nginx workers are children of the master we started
    for c in $(pgrep -P "$p" 2>/dev/null); do kill -KILL "$c" 2>/dev/null || true; done
    kill -KILL "$p" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cd "$W"
chmod 755 "$W"

# fd limit for the servers and clients of part 4 (the hard limit may be below 65536)
HARD_NOFILE=$(ulimit -Hn)
[[ $HARD_NOFILE == unlimited ]] && NOFILE=65536 || NOFILE=$((HARD_NOFILE < 65536 ? HARD_NOFILE : 65536))
ulimit -n "$NOFILE"

USED_PORTS=" "
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 12000))
    [[ $USED_PORTS == *" $p "* ]] && continue
    [[ -z $(ss -Htan "( sport = :$p or dport = :$p )" 2>/dev/null) ]] && break
  done
  USED_PORTS+="$p "
  echo "$p"
}
wait_url() {  # wait_url URL [curl args]: until it answers 200 (10 s)
  local url=$1; shift
  for _ in $(seq 1 100); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' "$@" "$url" 2>/dev/null) == 200 ]] && return 0
    sleep 0.1
  done
  echo "no answer from $url" >&2; return 1
}
stop() {  # stop PID: SIGTERM, wait
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
to_ms() { awk '{ v=$1; if (v ~ /us$/) { sub(/us$/,"",v); v/=1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v) } else if (v ~ /s$/) { sub(/s$/,"",v); v*=1000 } printf "%.2f", v }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else print "NA" }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { print (a != "NA" && a + 0 >= b + 0) ? "yes" : "no" }'; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { print (a != "NA" && a + 0 < b + 0) ? "yes" : "no" }'; }

declare -A RPS P50 P99 BAD NOTE
# wrk_run KEY URL [LUA]: keep-alive load, after a 1 s warm-up
wrk_run() {
  local key=$1 url=$2 lua=${3:-} out nreq
  local args=(-t 2 -c 64 -d "${SECS}s" --latency)
  [[ -n $lua ]] && args+=(-s "$lua")
  wrk -t 2 -c 16 -d 1s ${lua:+-s "$lua"} "$url" >/dev/null
  out=$(wrk "${args[@]}" "$url" || true)
  echo "$out" >"wrk-$key.txt"
  RPS[$key]=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$out")
  P50[$key]=$(awk '$1 == "50%" { print $2 }' <<<"$out" | to_ms)
  P99[$key]=$(awk '$1 == "99%" { print $2 }' <<<"$out" | to_ms)
  nreq=$(awk '/requests in/ { print $1 }' <<<"$out")
  local non2xx sockerr
  non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' <<<"$out"); non2xx=${non2xx:-0}
  sockerr=$(grep -o 'Socket errors:.*' <<<"$out" || true)
  BAD[$key]=$non2xx
  NOTE[$key]="wrk: $nreq requests, non-2xx/3xx: $non2xx${sockerr:+, $sockerr}"
}
# ab_run KEY URL: a new connection per request (HTTP/1.0, no keep-alive)
ab_run() {
  local key=$1 url=$2 out fail fl non2xx
  out=$(ab -r -q -c 8 -n "$N_AB" -e "ab-$key.csv" "$url" 2>&1 || true)
  echo "$out" >"ab-$key.txt"
  RPS[$key]=$(awk '/^Requests per second:/ { printf "%.0f", $4 }' <<<"$out")
  P50[$key]=$(awk -F, '$1 == "50" { printf "%.2f", $2 }' "ab-$key.csv")
  P99[$key]=$(awk -F, '$1 == "99" { printf "%.2f", $2 }' "ab-$key.csv")
  fail=$(awk '/^Failed requests:/ { print $3 }' <<<"$out")
  fl=$(sed -n 's/.*(Connect: .*Length: \([0-9][0-9]*\),.*/\1/p' <<<"$out"); fl=${fl:-0}
  non2xx=$(awk '/^Non-2xx responses:/ { print $3 }' <<<"$out"); non2xx=${non2xx:-0}
  BAD[$key]=$(( fail - fl + non2xx ))
  NOTE[$key]="ab: $(awk '/^Complete requests:/ { print $3 }' <<<"$out") complete, failed $fail (of which length differs: $fl), non-2xx $non2xx"
}

echo "== tsign HTTP benchmark (issue 13): $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $NPROC cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   the servers share the cores with the load generators; nothing here asserts. fd limit $NOFILE; work dir $W"

# ---------- setup: CA, one issued certificate, the OCSP GET URL, TSA keys ----------
export P=bench-pass PIN=123456
export SOFTHSM2_CONF=$W/softhsm2.conf
mkdir -p tokens
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$W" >"$SOFTHSM2_CONF"
"$TSIGN" ca init --dir ca --subject "/CN=Bench CA/C=IR" --key-type ec-p256 --pin-source env:P >/dev/null 2>&1
"$TSIGN" key gen --type ec-p256 --out ee.key >/dev/null 2>&1
"$TSIGN" csr --key ee.key --subject "/CN=Bench Member/C=IR" --out ee.csr
"$TSIGN" ca issue --dir ca --csr ee.csr --pem --out ee.crt --pin-source env:P
for kt in ec-p256 rsa2048; do
  "$TSIGN" key gen --type "$kt" --out "tsa-$kt.key" >/dev/null 2>&1
  "$TSIGN" csr --key "tsa-$kt.key" --subject "/CN=Bench TSA $kt/C=IR" --out "tsa-$kt.csr"
  "$TSIGN" ca issue --dir ca --csr "tsa-$kt.csr" --profile tsa --pem --out "tsa-$kt.crt" --pin-source env:P
done
softhsm2-util --init-token --free --label benchtsa --so-pin 87654321 --pin "$PIN" >/dev/null
"$TSIGN" token keygen --pkcs11-module "$SOFTHSM_MODULE" --token benchtsa --label tsa --type ec-p256 --pin-source env:PIN >/dev/null
HSM_URI="pkcs11:token=benchtsa;object=tsa"
"$TSIGN" csr --pkcs11-module "$SOFTHSM_MODULE" --key "$HSM_URI" --pin-source env:PIN --subject "/CN=Bench TSA softhsm/C=IR" --out tsa-hsm.csr
"$TSIGN" ca issue --dir ca --csr tsa-hsm.csr --profile tsa --pem --out tsa-hsm.crt --pin-source env:P

openssl ocsp -issuer ca/ca.crt.pem -cert ee.crt -no_nonce -reqout ocsp-req.der 2>/dev/null
OCSP_PATH=/$("$PY" -c 'import base64,sys,urllib.parse; print(urllib.parse.quote(base64.b64encode(open(sys.argv[1],"rb").read()).decode(), safe=""))' ocsp-req.der)
printf 'voucher\n' >doc.txt
openssl ts -query -data doc.txt -sha256 -cert -no_nonce -out q.tsq 2>/dev/null
export TSA_QUERY=$W/q.tsq

# index.txt in `openssl ca` format from `tsign ca list --json`; the CA key decrypted for openssl
"$TSIGN" ca list --dir ca --json | jq -r '.certificates[] | [.status, .not_after, .serial, .subject, (.revoked_at // "")] | @tsv' |
  "$PY" -c '
import sys, datetime
def t(s): return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").strftime("%y%m%d%H%M%SZ")
for line in sys.stdin:
    st, na, ser, subj, rv = line.rstrip("\n").split("\t")
    flag = {"valid": "V", "revoked": "R", "expired": "E"}.get(st, "V")
    rev = t(rv) if flag == "R" and rv else ""
    dn = "/" + "/".join(p.strip() for p in subj.split(","))
    print("\t".join([flag, t(na), rev, ser, "unknown", dn]))' >index.txt
openssl pkey -in ca/ca.key -passin env:P -out ca-plain.key
chmod 600 ca-plain.key

# ---------- servers for parts 1 and 2 ----------
PORT_T=$(free_port); PORT_N=$(free_port); PORT_O=$(free_port)
"$TSIGN" ocsp serve --dir ca --listen 127.0.0.1:$PORT_T --pin-source env:P --log-format off 2>ocsp-tsign.log & PIDS+=($!)
OCSP_PID=$!
wait_url "http://127.0.0.1:$PORT_T/healthz"
curl -s -o resp.der "http://127.0.0.1:$PORT_T$OCSP_PATH"
openssl ocsp -respin resp.der -issuer ca/ca.crt.pem -CAfile ca/ca.crt.pem -cert ee.crt >ocsp-check.txt 2>&1 \
  || { echo "tsign's OCSP response does not verify:" >&2; cat ocsp-check.txt >&2; exit 1; }
RESP_BYTES=$(stat -c %s resp.der)

mkdir -p www && cp resp.der www/resp.der && chmod 755 www && chmod 644 www/resp.der
cat >nginx.conf <<EOF
worker_processes $NPROC;
daemon off;
pid $W/nginx.pid;
error_log $W/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000;
  client_body_temp_path $W/ngx-cb; proxy_temp_path $W/ngx-px; fastcgi_temp_path $W/ngx-fc; uwsgi_temp_path $W/ngx-uw; scgi_temp_path $W/ngx-sc;
  types {}
  default_type application/ocsp-response;
  server {
    listen 127.0.0.1:$PORT_N;
    location / { root $W/www; try_files /resp.der =404; }
  }
}
EOF
/usr/sbin/nginx -p "$W" -e "$W/nginx-error.log" -c "$W/nginx.conf" & PIDS+=($!)
wait_url "http://127.0.0.1:$PORT_N$OCSP_PATH"
curl -s -o resp-nginx.der "http://127.0.0.1:$PORT_N$OCSP_PATH"
cmp -s resp.der resp-nginx.der || { echo "nginx does not serve the same bytes" >&2; exit 1; }

openssl ocsp -port "$PORT_O" -index index.txt -CA ca/ca.crt.pem -rsigner ca/ca.crt.pem -rkey ca-plain.key \
  -nmin 60 -ignore_err >/dev/null 2>openssl-ocsp.log & PIDS+=($!)
OPENSSL_PID=$!
wait_url "http://127.0.0.1:$PORT_O$OCSP_PATH"
OPENSSL_METHOD=GET
curl -s -o resp-openssl.der "http://127.0.0.1:$PORT_O$OCSP_PATH"
if ! openssl ocsp -respin resp-openssl.der -issuer ca/ca.crt.pem -CAfile ca/ca.crt.pem -cert ee.crt 2>/dev/null | grep -q ': good'; then
  OPENSSL_METHOD=POST   # openssl ocsp -port did not answer the GET: fall back to POST
fi

# ---------- 1. OCSP keep-alive ----------
echo
echo "== 1. OCSP pre-signed, keep-alive: wrk -t 2 -c 64 -d ${SECS}s, GET of one RFC 5019 URL ($RESP_BYTES-byte response)"
wrk_run ka-tsign "http://127.0.0.1:$PORT_T$OCSP_PATH"
wrk_run ka-nginx "http://127.0.0.1:$PORT_N$OCSP_PATH"
for k in ka-tsign ka-nginx; do
  printf '  %-9s %8s req/s  p50 %7s ms  p99 %7s ms   (%s)\n' "${k#ka-}" "${RPS[$k]}" "${P50[$k]}" "${P99[$k]}" "${NOTE[$k]}"
done
echo "  ratio tsign/nginx: $(ratio "${RPS[ka-tsign]}" "${RPS[ka-nginx]}")  (target >= 0.60)"

# ---------- 2. OCSP new connection per request ----------
echo
echo "== 2. OCSP, a new connection per request: ab -c 8 -n $N_AB (HTTP/1.0), same URL"
ab_run nc-tsign "http://127.0.0.1:$PORT_T$OCSP_PATH"
ab_run nc-nginx "http://127.0.0.1:$PORT_N$OCSP_PATH"
if [[ $OPENSSL_METHOD == GET ]]; then
  ab_run nc-openssl "http://127.0.0.1:$PORT_O$OCSP_PATH"
else
  ab() { command ab -p "$W/ocsp-req.der" -T application/ocsp-request "$@"; }
  ab_run nc-openssl "http://127.0.0.1:$PORT_O/"
  unset -f ab
fi
for k in nc-tsign nc-nginx nc-openssl; do
  printf '  %-9s %8s req/s  p50 %7s ms  p99 %7s ms   (%s)\n' "${k#nc-}" "${RPS[$k]}" "${P50[$k]}" "${P99[$k]}" "${NOTE[$k]}"
done
echo "  openssl ocsp -port (one process, signs each response live) answered $OPENSSL_METHOD; its ECDSA signatures vary in length, so ab counts 'length' failures there: not errors"
echo "  ratios: tsign/nginx $(ratio "${RPS[nc-tsign]}" "${RPS[nc-nginx]}") (target >= 0.85), tsign/openssl $(ratio "${RPS[nc-tsign]}" "${RPS[nc-openssl]}") (target > 1)"
stop "$OPENSSL_PID"; stop "$OCSP_PID"

# ---------- 3. TSA keep-alive ----------
echo
echo "== 3. TSA keep-alive: wrk -t 2 -c 64 -d ${SECS}s POST of one fixed query (sha256, -cert, no nonce); state on $(df -T "$W" | awk 'NR == 2 { print $2 }')"
RAW_EC=$(openssl speed -seconds 3 -multi "$NPROC" ecdsap256 2>/dev/null | awk '/256 bits ecdsa/ { printf "%.0f", $(NF-1) }' | tail -1)
RAW_RSA=$(openssl speed -seconds 3 -multi "$NPROC" rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ { printf "%.0f", $(NF-1) }' | tail -1)
echo "  raw signing, openssl speed -seconds 3 -multi $NPROC: ECDSA P-256 $RAW_EC sign/s, RSA-2048 $RAW_RSA sign/s"
for kind in ec rsa hsm; do
  case $kind in
    ec)  key=(--key tsa-ec-p256.key); cert=tsa-ec-p256.crt ;;
    rsa) key=(--key tsa-rsa2048.key); cert=tsa-rsa2048.crt ;;
    hsm) key=(--key "$HSM_URI" --pkcs11-module "$SOFTHSM_MODULE" --pin-source env:PIN); cert=tsa-hsm.crt ;;
  esac
  port=$(free_port)
  "$TSIGN" tsa serve "${key[@]}" --cert "$cert" --listen 127.0.0.1:$port --state "st-$kind" --log-format off 2>"tsa-$kind.log" & PIDS+=($!)
  tpid=$!
  wait_url "http://127.0.0.1:$port/healthz"
  curl -s -o "one-$kind.tsr" -H 'Content-Type: application/timestamp-query' --data-binary @q.tsq "http://127.0.0.1:$port/"
  if openssl ts -verify -queryfile q.tsq -in "one-$kind.tsr" -CAfile ca/ca.crt.pem -untrusted "$cert" >/dev/null 2>&1; then v=verified; else v="DOES NOT VERIFY"; fi
  wrk_run "tsa-$kind" "http://127.0.0.1:$port/" "$ROOT/bench/tsa.lua"
  rows=$(sqlite3 "st-$kind/tsa.db" 'select count(*) from tokens' 2>/dev/null || echo NA)
  NOTE[tsa-$kind]+=", archive rows $rows (warm-up included), one token: openssl ts -verify $v"
  stop "$tpid"
done
declare -A RAW=([tsa-ec]=$RAW_EC [tsa-rsa]=$RAW_RSA [tsa-hsm]=$RAW_EC)
declare -A LABEL=([tsa-ec]="ECDSA P-256 file key" [tsa-rsa]="RSA-2048 file key" [tsa-hsm]="SoftHSM2 ec-p256")
for k in tsa-ec tsa-rsa tsa-hsm; do
  printf '  %-21s %7s tokens/s  p50 %7s ms  p99 %7s ms  raw %6s/s  ratio %s\n' "${LABEL[$k]}" "${RPS[$k]}" "${P50[$k]}" "${P99[$k]}" "${RAW[$k]}" "$(ratio "${RPS[$k]}" "${RAW[$k]}")"
  echo "      (${NOTE[$k]})"
done
echo "  target: ECDSA P-256 tsign/raw >= 0.25 (SoftHSM2 is compared with the raw ECDSA rate)"

# ---------- 4. slow and idle clients ----------
echo
echo "== 4. slow and idle clients: $N_TIMED normal OCSP GETs timed one after another, a fresh connection each"
port=$(free_port)
"$TSIGN" ocsp serve --dir ca --listen 127.0.0.1:$port --pin-source env:P --log-format off 2>ocsp-hold.log & PIDS+=($!)
hpid=$!
wait_url "http://127.0.0.1:$port/healthz"
read -r U50 U99 UF < <("$PY" "$ROOT/bench/slow_clients.py" timed "$port" "$OCSP_PATH" "$N_TIMED")
echo "  unloaded (nothing else open):       p50 $U50 ms  p99 $U99 ms  failed $UF"
read -r H50 H99 HF HOPEN HRSS HHWM HNOF < <("$PY" "$ROOT/bench/slow_clients.py" hold "$port" "$OCSP_PATH" "$N_HOLD" "$N_TIMED" "$hpid")
echo "  while $N_HOLD half-sent heads held:  p50 $H50 ms  p99 $H99 ms  failed $HF; held still open after: $HOPEN/$N_HOLD;" \
  "server RSS $((HRSS / 1024)) MiB (peak $((HHWM / 1024)) MiB); default limits (--header-timeout 10)"
stop "$hpid"
port=$(free_port)
"$TSIGN" ocsp serve --dir ca --listen 127.0.0.1:$port --pin-source env:P --log-format off --max-connections 12000 2>ocsp-idle.log & PIDS+=($!)
ipid=$!
wait_url "http://127.0.0.1:$port/healthz"
read -r I50 I99 IF IOK IKEPT ICLOSED IRSS IHWM IOPEN IEVICT IREFUSED INOF < <("$PY" "$ROOT/bench/slow_clients.py" idle "$port" "$OCSP_PATH" "$N_IDLE" "$N_TIMED" "$ipid")
echo "  while $N_IDLE idle keep-alive held: p50 $I50 ms  p99 $I99 ms  failed $IF; server RSS $((IRSS / 1024)) MiB (peak $((IHWM / 1024)) MiB); --max-connections 12000"
echo "      idle connections: $IOK got 200, $IKEPT still open, $ICLOSED closed by the server;" \
  "/metrics: open_connections $IOPEN, evicted_total $IEVICT, refused_total $IREFUSED"
echo "  client fd limit $HNOF (wanted 65536; the hard limit here is $HARD_NOFILE), server fd limit $NOFILE"
stop "$ipid"

# ---------- 5. a CA with 100,000 certificates and an RSA key: answers from the first second ----------
echo
echo "== 5. OCSP for a CA with ${BENCH_100K_CERTS:-100000} certificates and an RSA-2048 key, from the start of the server (bench/ocsp_100k.sh)"
K_FIRST=NA K_FIRST_OK=no K_HEALTH=NA K_P50=NA K_P99=NA K_HITS=NA K_REQS=NA K_BAD=NA K_VERIFIED=NA K_DONE=NA K_CACHED=NA K_ROWS=NA K_RSS=NA K_HWM=NA
BENCH_100K_VARS=$W/ocsp_100k.vars bash "$ROOT/bench/ocsp_100k.sh" "$BUILD" 2>&1 | sed 's/^/  /' || echo "  bench/ocsp_100k.sh failed"
[[ -s $W/ocsp_100k.vars ]] && source "$W/ocsp_100k.vars"

MIB() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
R1=$(ratio "${RPS[ka-tsign]}" "${RPS[ka-nginx]}")
R2=$(ratio "${RPS[nc-tsign]}" "${RPS[nc-nginx]}")
R3=$(ratio "${RPS[nc-tsign]}" "${RPS[nc-openssl]}")
R4=$(ratio "${RPS[tsa-ec]}" "$RAW_EC"); R5=$(ratio "${RPS[tsa-rsa]}" "$RAW_RSA"); R6=$(ratio "${RPS[tsa-hsm]}" "$RAW_EC")
idle_ok=no
[[ $IF == 0 && $((IOK + IREFUSED)) -ge $N_IDLE && $IKEPT == "$IOK" ]] && idle_ok=yes
echo
echo "== summary (one run; rates in requests/s, latency p50/p99 in ms)"
row() { printf '%-38s | %9s %-13s | %10s %-13s | %6s | %-13s | %s\n' "$@"; }
row measure tsign "p50/p99" baseline "p50/p99" ratio target met
row "OCSP keep-alive (wrk -c 64)" "${RPS[ka-tsign]}" "${P50[ka-tsign]}/${P99[ka-tsign]}" "${RPS[ka-nginx]}" "${P50[ka-nginx]}/${P99[ka-nginx]}" "$R1" ">= 0.60 nginx" "$(ge "$R1" 0.60)"
row "OCSP new conn (ab -c 8) vs nginx" "${RPS[nc-tsign]}" "${P50[nc-tsign]}/${P99[nc-tsign]}" "${RPS[nc-nginx]}" "${P50[nc-nginx]}/${P99[nc-nginx]}" "$R2" ">= 0.85 nginx" "$(ge "$R2" 0.85)"
row "OCSP new conn vs openssl -port" "${RPS[nc-tsign]}" "${P50[nc-tsign]}/${P99[nc-tsign]}" "${RPS[nc-openssl]}" "${P50[nc-openssl]}/${P99[nc-openssl]}" "$R3" "> 1 (ahead)" "$(awk -v r="$R3" 'BEGIN { print (r != "NA" && r > 1) ? "yes" : "no" }')"
row "TSA ECDSA P-256 keep-alive" "${RPS[tsa-ec]}" "${P50[tsa-ec]}/${P99[tsa-ec]}" "$RAW_EC" "raw sign/s" "$R4" ">= 0.25 raw" "$(ge "$R4" 0.25)"
row "TSA RSA-2048 keep-alive" "${RPS[tsa-rsa]}" "${P50[tsa-rsa]}/${P99[tsa-rsa]}" "$RAW_RSA" "raw sign/s" "$R5" "(report)" "-"
row "TSA SoftHSM2 ec-p256 keep-alive" "${RPS[tsa-hsm]}" "${P50[tsa-hsm]}/${P99[tsa-hsm]}" "$RAW_EC" "raw ECDSA/s" "$R6" "(report)" "-"
row "$N_HOLD half heads: normal GET p99" "$H99 ms" "$H50/$H99" "$U99 ms" "$U50/$U99 unld" "$(ratio "$H99" "$U99")" "< 100 ms" "$( [[ $HF == 0 ]] && lt "$H99" 100 || echo "no ($HF failed)")"
row "$N_HOLD half heads: server RSS" "$(MIB "$HRSS") MiB" "peak $(MIB "$HHWM")" "-" "" "-" "< 200 MiB" "$(lt "$(MIB "$HRSS")" 200)"
row "$N_IDLE idle k-a: normal GET p99" "$I99 ms" "$I50/$I99" "$U99 ms" "$U50/$U99 unld" "$(ratio "$I99" "$U99")" "< 100 ms" "$( [[ $IF == 0 ]] && lt "$I99" 100 || echo "no ($IF failed)")"
row "$N_IDLE idle k-a: server RSS" "$(MIB "$IRSS") MiB" "peak $(MIB "$IHWM")" "-" "" "-" "< 200 MiB" "$(lt "$(MIB "$IRSS")" 200)"
row "$N_IDLE idle k-a: kept/evicted/refused" "$IKEPT" "$IEVICT/$IREFUSED" "$N_IDLE" "opened" "-" "kept or 503" "$idle_ok"
row "100k RSA CA: first OCSP answer" "$K_FIRST s" "health $K_HEALTH" "-" "" "-" "< 1 s" "$( [[ $K_FIRST_OK == yes ]] && lt "$K_FIRST" 1 || echo no)"
row "100k RSA CA: GETs in first 5 s" "$K_P99 ms" "$K_P50/$K_P99" "$K_HITS/$K_REQS" "pre-signed" "-" "(report)" "-"
row "100k RSA CA: pre-signing done" "$K_DONE s" "$K_CACHED/$K_ROWS" "$K_RSS MiB" "RSS (pk $K_HWM)" "-" "(report)" "-"
echo "errors: OCSP non-2xx/failed (excl. length) tsign ${BAD[ka-tsign]}+${BAD[nc-tsign]}, nginx ${BAD[ka-nginx]}+${BAD[nc-nginx]}, openssl ${BAD[nc-openssl]};" \
  "TSA non-2xx ec ${BAD[tsa-ec]}, rsa ${BAD[tsa-rsa]}, softhsm ${BAD[tsa-hsm]};" \
  "100k RSA CA: failed GETs $K_BAD, openssl-verified good $K_VERIFIED"
