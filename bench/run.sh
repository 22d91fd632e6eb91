#!/usr/bin/env bash
# Benchmarks against the baselines the issues name, as ratios measured in one run (not tests):
#   1. signing 1,000 4 KiB documents in one tsign process vs a shell loop of `openssl cms -sign`
#      (RSA-2048 and ECDSA P-256 file keys);
#   2. signing (hashing) a 1 GiB document vs `openssl dgst -sha256`.
# Usage: bench/run.sh [BUILD_DIR]   (default: build)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
TSIGN=$BUILD/cli/tsign
BENCH=$BUILD/bench/tsign-bench-sign
W=$(mktemp -d /tmp/tsign-bench-XXXXXX)
trap 'rm -rf "$W"' EXIT
cd "$W"
bash "$ROOT/certs-sample/make-sample.sh" "$W/s" >/dev/null
export SAMPLE_PASS=tsign-sample
N=${BENCH_DOCS:-1000}
mkdir docs
for i in $(seq 1 "$N"); do head -c 4096 /dev/urandom >"docs/v$i.txt"; done
now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.1f", n / (b - a) }'; }

for who in sara-ahmadi:RSA-2048 ali-rezaei:ECDSA-P256; do
  k=${who%%:*}; label=${who#*:}
  openssl pkey -in "s/signer-$k.key.pem" -passin env:SAMPLE_PASS -out "$k.key" 2>/dev/null
  read -r _ _ tsign_rate < <("$BENCH" "s/signer-$k.key.pem" "s/signer-$k.crt.pem" env:SAMPLE_PASS docs/*.txt)
  t0=$(now)
  for f in docs/*.txt; do openssl cms -sign -binary -cades -in "$f" -signer "s/signer-$k.crt.pem" -inkey "$k.key" -outform DER -out "$f.ossl.p7s"; done
  t1=$(now)
  ossl_rate=$(rate "$N" "$t0" "$t1")
  printf '%-12s tsign (one process): %8.1f docs/s   openssl cms loop: %7.1f docs/s   ratio %.1fx\n' \
    "$label" "$tsign_rate" "$ossl_rate" "$(awk -v a="$tsign_rate" -v b="$ossl_rate" 'BEGIN { print a / b }')"
done

head -c 1G /dev/urandom >big.bin
cat big.bin >/dev/null   # both runs read from the page cache
t0=$(now); "$TSIGN" sign --key s/signer-ali-rezaei.key.pem --cert s/signer-ali-rezaei.crt.pem --pin-source env:SAMPLE_PASS big.bin 2>/dev/null; t1=$(now)
t2=$(now); openssl dgst -sha256 big.bin >/dev/null; t3=$(now)
awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" 'BEGIN { printf "1 GiB        tsign sign: %.2f s (%.0f MiB/s)   openssl dgst -sha256: %.2f s (%.0f MiB/s)   ratio %.2f\n", b - a, 1024 / (b - a), d - c, 1024 / (d - c), (d - c) / (b - a) }'
