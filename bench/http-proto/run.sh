#!/usr/bin/env bash
# Issue 13 prototype measurement: nginx vs a Boost.Beast prototype vs a libmicrohttpd prototype,
# all in one run on this machine. Measurement only; nothing here is product code.
#   wrk -t 2 -c 64 -d 8s --latency   keep-alive GETs of a 721-byte body
#   ab  -c 8 -n 20000                 a new connection per request (HTTP/1.0)
#   slowclient.py hold                300 half-sent request heads held open, then 200 timed GETs
#   slowclient.py trickle             slow-loris, one header byte per second (run in parallel)
# Usage: bench/http-proto/run.sh      (PROTO_BUILD=dir for the binaries, default /tmp/tsign-http-proto)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${PROTO_BUILD:-/tmp/tsign-http-proto}
PY=/usr/bin/python3
P_NGINX=18180 P_BEAST=18181 P_MHD=18182
DUR=${WRK_DURATION:-8s}
N_AB=${AB_REQUESTS:-20000}

T=$(mktemp -d /tmp/tsign-http-bench-XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.3
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT INT TERM

mkdir -p "$BIN"
build() {  # build only if missing or older than the source; one compile at a time
  local name=$1 libs=$2
  if [[ ! -x $BIN/$name || $HERE/$name.cpp -nt $BIN/$name ]]; then
    echo "building $name ..." >&2
    nice -n 10 g++ -std=c++20 -O2 "$HERE/$name.cpp" -o "$BIN/$name" $libs
  fi
}
build proto_beast -lpthread
build proto_mhd -lmicrohttpd

chmod 755 "$T"
head -c 721 /dev/urandom >"$T/r.der"
chmod 644 "$T/r.der"
cat >"$T/nginx.conf" <<EOF
worker_processes 2;
daemon off;
pid $T/nginx.pid;
error_log $T/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 100000;
  client_header_timeout 10s;
  client_body_temp_path $T/cb; proxy_temp_path $T/px; fastcgi_temp_path $T/fc; uwsgi_temp_path $T/uw; scgi_temp_path $T/sc;
  types {}
  default_type application/ocsp-response;
  server {
    listen 127.0.0.1:$P_NGINX;
    location / { root $T; }
  }
}
EOF
/usr/sbin/nginx -p "$T" -e "$T/error.log" -c "$T/nginx.conf" & PIDS+=($!)
NGINX_PID=$!
"$BIN/proto_beast" $P_BEAST "$T/r.der" 2>"$T/beast.log" & PIDS+=($!)
BEAST_PID=$!
"$BIN/proto_mhd" $P_MHD "$T/r.der" 2>"$T/mhd.log" & PIDS+=($!)
MHD_PID=$!
sleep 1
for p in $P_NGINX $P_BEAST $P_MHD; do
  n=$(curl -s -o /dev/null -w '%{size_download}' "http://127.0.0.1:$p/r.der")
  [[ $n == 721 ]] || { echo "server on port $p did not serve 721 bytes (got $n)" >&2; exit 1; }
done

to_ms() { awk '{ v=$1; if (v ~ /us$/) { sub(/us$/,"",v); v/=1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v) } else if (v ~ /s$/) { sub(/s$/,"",v); v*=1000 } printf "%.2f", v }'; }
rss_kb() {  # RSS of the process plus its children (nginx workers)
  local pid=$1 total=0 r
  for r in $(ps -o rss= -p "$pid") $(ps -o rss= --ppid "$pid" 2>/dev/null); do total=$((total + r)); done
  echo $total
}

declare -A WRK_RPS WRK_P50 WRK_P99 AB_RPS AB_P50 AB_P99 AB_FAIL SLOW RSS TRICKLE
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')  cores: $(nproc)  (servers share the cores with wrk/ab)"
for s in nginx beast mhd; do
  case $s in nginx) port=$P_NGINX ;; beast) port=$P_BEAST ;; mhd) port=$P_MHD ;; esac
  url="http://127.0.0.1:$port/r.der"
  wrk -t 2 -c 16 -d 1s "$url" >/dev/null  # warm-up
  out=$(wrk -t 2 -c 64 -d "$DUR" --latency "$url")
  WRK_RPS[$s]=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$out")
  WRK_P50[$s]=$(awk '$1 == "50%" { print $2 }' <<<"$out" | to_ms)
  WRK_P99[$s]=$(awk '$1 == "99%" { print $2 }' <<<"$out" | to_ms)
  grep -q 'Non-2xx\|Socket errors' <<<"$out" && grep 'Non-2xx\|Socket errors' <<<"$out" | sed "s/^/  $s wrk: /"
  out=$(ab -r -q -c 8 -n "$N_AB" -e "$T/ab-$s.csv" "$url" 2>&1)
  AB_RPS[$s]=$(awk '/^Requests per second:/ { printf "%.0f", $4 }' <<<"$out")
  AB_FAIL[$s]=$(awk '/^Failed requests:/ { print $3 }' <<<"$out")
  AB_P50[$s]=$(awk -F, '$1 == "50" { printf "%.2f", $2 }' "$T/ab-$s.csv")
  AB_P99[$s]=$(awk -F, '$1 == "99" { printf "%.2f", $2 }' "$T/ab-$s.csv")
  SLOW[$s]=$("$PY" "$HERE/slowclient.py" hold "$port" 300 200)
  case $s in nginx) pid=$NGINX_PID ;; beast) pid=$BEAST_PID ;; mhd) pid=$MHD_PID ;; esac
  RSS[$s]=$(rss_kb "$pid")
done

# Slow-loris: one header byte per second, all three servers in parallel (capped at 25 s).
for s in nginx beast mhd; do
  case $s in nginx) port=$P_NGINX ;; beast) port=$P_BEAST ;; mhd) port=$P_MHD ;; esac
  "$PY" "$HERE/slowclient.py" trickle "$port" 25 >"$T/trickle-$s" &
done
wait_trickle=0
while (( wait_trickle < 40 )) && [[ $(cat "$T"/trickle-* 2>/dev/null | wc -l) -lt 3 ]]; do sleep 1; wait_trickle=$((wait_trickle + 1)); done
for s in nginx beast mhd; do TRICKLE[$s]=$(cat "$T/trickle-$s"); done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
printf '%-6s | %9s %8s %8s %6s | %9s %8s %8s %6s %5s\n' server "wrk req/s" "p50 ms" "p99 ms" "x ngx" "ab req/s" "p50 ms" "p99 ms" "x ngx" fail
for s in nginx beast mhd; do
  printf '%-6s | %9s %8s %8s %6s | %9s %8s %8s %6s %5s\n' $s "${WRK_RPS[$s]}" "${WRK_P50[$s]}" "${WRK_P99[$s]}" \
    "$(ratio "${WRK_RPS[$s]}" "${WRK_RPS[nginx]}")" "${AB_RPS[$s]}" "${AB_P50[$s]}" "${AB_P99[$s]}" \
    "$(ratio "${AB_RPS[$s]}" "${AB_RPS[nginx]}")" "${AB_FAIL[$s]}"
done
echo
echo "slow clients: 300 half-sent heads held, 200 sequential keep-alive GETs on a fresh connection"
printf '%-6s | %8s %8s %6s %12s | %9s | %s\n' server "p50 ms" "p99 ms" failed "held open" "RSS KiB" "slow-loris 1 B/s: seconds outcome"
for s in nginx beast mhd; do
  read -r a b c d <<<"${SLOW[$s]}"
  printf '%-6s | %8s %8s %6s %12s | %9s | %s\n' $s "$a" "$b" "$c" "$d/300" "${RSS[$s]}" "${TRICKLE[$s]}"
done
