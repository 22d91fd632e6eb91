#!/usr/bin/env bash
# CA benchmarks (issue 4), as figures and ratios from one run (not tests):
#   1. issuing 10,000 certificates in one process (each one SQLite transaction + certificate file);
#   2. a CRL with 100,000 revoked entries: time and peak memory;
#   3. OCSP responses per second on loopback: tsign ocsp serve vs `openssl ocsp -port` on the same
#      CA data (exported as an OpenSSL index file), 2 client threads, a new connection per request.
# Usage: bench/run_ca.sh [BUILD_DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
TSIGN=$BUILD/cli/tsign
W=$(mktemp -d /tmp/tsign-bench-ca-XXXXXX)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$W"' EXIT
cd "$W"
export P=bench-pass
N=${BENCH_ISSUE:-10000}
R=${BENCH_REVOKED:-100000}
Q=${BENCH_OCSP:-1000}
"$TSIGN" ca init --dir ca --subject "/CN=Bench CA/C=IR" --key-type ec-p256 --pin-source env:P 2>/dev/null
"$TSIGN" key gen --type ec-p256 --out leaf.key >/dev/null 2>&1
"$TSIGN" csr --key leaf.key --subject "/CN=bench leaf/C=IR" --out leaf.csr
"$BUILD/bench/tsign-bench-ca" ca env:P leaf.csr "$N" 0 | head -1
/usr/bin/time -f "%M" -o crl.rss "$BUILD/bench/tsign-bench-ca" ca env:P leaf.csr 0 "$R" | tail -1
echo "CRL peak memory: $(($(cat crl.rss) / 1024)) MiB"

"$TSIGN" ca issue --dir ca --csr leaf.csr --pem --out leaf.crt --pin-source env:P
openssl ocsp -issuer ca/ca.crt.pem -cert leaf.crt -no_nonce -reqout req.der
# the same data as an OpenSSL index file (openssl ocsp -port listens on all addresses; only loopback is queried)
sqlite3 -separator $'\t' ca/ca.db "SELECT CASE WHEN status = 'valid' THEN 'V' ELSE 'R' END,
  substr(strftime('%Y%m%d%H%M%S', not_after, 'unixepoch'), 3) || 'Z',
  CASE WHEN status = 'valid' THEN '' ELSE substr(strftime('%Y%m%d%H%M%S', revoked_at, 'unixepoch'), 3) || 'Z,' || reason END,
  serial, 'unknown', '/CN=' || serial FROM certificates" >index.txt
openssl pkey -in ca/ca.key -passin env:P -out ca-plain.key
PORT1=$((30000 + RANDOM % 10000)); PORT2=$((PORT1 + 1))
"$TSIGN" ocsp serve --dir ca --listen 127.0.0.1:$PORT1 --pin-source env:P 2>/dev/null & PIDS+=($!)
openssl ocsp -index index.txt -port $PORT2 -rsigner ca/ca.crt.pem -rkey ca-plain.key -CA ca/ca.crt.pem -nmin 60 >/dev/null 2>&1 & PIDS+=($!)
for port in $PORT1 $PORT2; do
  for _ in $(seq 1 100); do openssl ocsp -issuer ca/ca.crt.pem -cert leaf.crt -url http://127.0.0.1:$port/ -noverify >/dev/null 2>&1 && break; sleep 0.2; done
done
read -r ok1 _ s1 r1 _ _ < <("$BUILD/bench/tsign-bench-http" 127.0.0.1 $PORT1 req.der application/ocsp-request 2 "$Q")
read -r ok2 _ s2 r2 _ _ < <("$BUILD/bench/tsign-bench-http" 127.0.0.1 $PORT2 req.der application/ocsp-request 2 "$Q" || true)
printf 'OCSP: tsign ocsp serve %.0f responses/s (%d ok), openssl ocsp -port %.0f responses/s (%d ok), ratio %.1fx\n' \
  "$r1" "$ok1" "$r2" "$ok2" "$(awk -v a="$r1" -v b="$r2" 'BEGIN { print (b > 0 ? a / b : 0) }')"
