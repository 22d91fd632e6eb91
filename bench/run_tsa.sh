#!/usr/bin/env bash
# TSA benchmark (issue 5), figures and ratios from one run (not a test):
#   timestamp responses per second and p50/p99 latency of `tsign tsa serve` on loopback under a
#   concurrent load client (8 threads, a new connection per request), against
#   - the raw signing rate of the same key type (`openssl speed -multi 2 ecdsap256`), and
#   - a process-per-request `openssl ts -reply` server on the same key (tests/tools/openssl_tsa.py).
# Usage: bench/run_tsa.sh [BUILD_DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
TSIGN=$BUILD/cli/tsign
W=$(mktemp -d /tmp/tsign-bench-tsa-XXXXXX)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$W"' EXIT
cd "$W"
export P=bench-pass
N=${BENCH_TSA:-500}          # requests per client thread for tsign
NO=${BENCH_TSA_OPENSSL:-50}  # requests per client thread for the process-per-request server
T=8
"$TSIGN" ca init --dir ca --subject "/CN=Bench CA/C=IR" --key-type ec-p256 --pin-source env:P 2>/dev/null
"$TSIGN" key gen --type ec-p256 --out tsa.key >/dev/null 2>&1
"$TSIGN" csr --key tsa.key --subject "/CN=Bench TSA/C=IR" --out tsa.csr
"$TSIGN" ca issue --dir ca --csr tsa.csr --profile tsa --pem --out tsa.crt --pin-source env:P
printf 'voucher\n' >doc.txt
openssl ts -query -data doc.txt -sha256 -cert -out q.tsq 2>/dev/null
PORT1=$((40000 + RANDOM % 10000)); PORT2=$((PORT1 + 1))
"$TSIGN" tsa serve --key tsa.key --cert tsa.crt --listen 127.0.0.1:$PORT1 --state st 2>/dev/null & PIDS+=($!)
python3 "$ROOT/tests/tools/openssl_tsa.py" $PORT2 tsa.crt tsa.key ca/ca.crt.pem ost 2>/dev/null & PIDS+=($!)
for port in $PORT1 $PORT2; do
  for _ in $(seq 1 100); do curl -s -o /dev/null -X POST -H 'Content-Type: application/timestamp-query' --data-binary @q.tsq "http://127.0.0.1:$port/" && break; sleep 0.1; done
done
raw=$(openssl speed -seconds 3 -multi 2 ecdsap256 2>/dev/null | awk '/256 bits ecdsa/ {print $(NF-1)}' | tail -1)
read -r ok1 f1 s1 r1 p50a p99a < <("$BUILD/bench/tsign-bench-http" 127.0.0.1 $PORT1 q.tsq application/timestamp-query $T "$N")
read -r ok2 f2 s2 r2 p50b p99b < <("$BUILD/bench/tsign-bench-http" 127.0.0.1 $PORT2 q.tsq application/timestamp-query $T "$NO" || true)
echo "cores: $(nproc); load: $T client threads, a new connection per request"
printf 'raw ECDSA P-256 signing (openssl speed -multi 2): %.0f signatures/s\n' "$raw"
printf 'tsign tsa serve:            %7.0f responses/s  p50 %6.2f ms  p99 %6.2f ms  (%d ok, %d failed)\n' "$r1" "$p50a" "$p99a" "$ok1" "$f1"
printf 'openssl ts -reply (per request): %4.0f responses/s  p50 %6.2f ms  p99 %6.2f ms  (%d ok, %d failed)\n' "$r2" "$p50b" "$p99b" "$ok2" "$f2"
awk -v a="$r1" -v b="$r2" -v raw="$raw" 'BEGIN { printf "ratios: tsign / raw key = %.2f, tsign / openssl ts -reply server = %.1fx\n", a / raw, (b > 0 ? a / b : 0) }'
echo "archive rows: $("$TSIGN" tsa list --state st --json | jq '.timestamps | length')"
