#!/usr/bin/env bash
# Batch signing benchmark (issue 6), figures and ratios from one run (not a test). 4 KiB documents:
#   tsign batch with an RSA-2048 file key, an ECDSA P-256 file key and a SoftHSM2 RSA-2048 token key,
#   against the same keys' raw rate on the same cores (`openssl speed -multi N`; for SoftHSM2 a tight
#   C_Sign loop, one session per thread), and the `openssl cms -sign` shell loop (RSA file key);
#   peak memory for 100,000 inputs.
# Usage: bench/run_batch.sh [BUILD_DIR]     (BENCH_DOCS, BENCH_MANY to change the sizes)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
TSIGN=$BUILD/cli/tsign
W=$(mktemp -d /tmp/tsign-bench-batch-XXXXXX)
trap 'rm -rf "$W"' EXIT
cd "$W"
N=${BENCH_DOCS:-4000}
MANY=${BENCH_MANY:-100000}
J=$(nproc)
export P=bench-pass PIN=123456
"$TSIGN" ca init --dir ca --subject "/CN=Bench CA/C=IR" --key-type ec-p256 --pin-source env:P 2>/dev/null
for t in rsa2048 ec-p256; do
  "$TSIGN" key gen --type $t --out $t.key >/dev/null 2>&1
  "$TSIGN" csr --key $t.key --subject "/CN=bench $t/C=IR" --out $t.csr
  "$TSIGN" ca issue --dir ca --csr $t.csr --profile signer --pem --out $t.crt --pin-source env:P
done
export SOFTHSM2_CONF=$W/softhsm2.conf
mkdir -p tokens
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$W" >"$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label bench --so-pin 87654321 --pin $PIN >/dev/null
export TSIGN_PKCS11_MODULE=/usr/lib/softhsm/libsofthsm2.so
"$TSIGN" token keygen --token bench --label sign --type rsa2048 --pin-source env:PIN >/dev/null
"$TSIGN" csr --key "pkcs11:token=bench;object=sign" --pin-source env:PIN --subject "/CN=bench token/C=IR" --out tok.csr
"$TSIGN" ca issue --dir ca --csr tok.csr --profile signer --pem --out tok.crt --pin-source env:P
mkdir docs
for i in $(seq 1 "$N"); do head -c 4096 /dev/urandom >"docs/v$i.bin"; done

rate() { jq -r '.summary.per_second' "$1/batch-report.json"; }
cat docs/* >/dev/null  # inputs in the page cache for every run alike
# outputs on the disk the inputs are on, and on tmpfs (what tsign costs without the file system's)
SHM=$(mktemp -d /dev/shm/tsign-bench-XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$W" "$SHM"' EXIT
for where in "$W" "$SHM"; do
  "$TSIGN" batch --key rsa2048.key --cert rsa2048.crt --jobs "$J" --quiet --out-dir "$where/o-rsa" docs 2>/dev/null
  "$TSIGN" batch --key ec-p256.key --cert ec-p256.crt --jobs "$J" --quiet --out-dir "$where/o-ec" docs 2>/dev/null
  "$TSIGN" batch --key "pkcs11:token=bench;object=sign" --pin-source env:PIN --cert tok.crt --jobs "$J" --quiet --out-dir "$where/o-tok" docs 2>/dev/null
done
b_rsa=$(rate "$W/o-rsa"); b_ec=$(rate "$W/o-ec"); b_tok=$(rate "$W/o-tok")
m_rsa=$(rate "$SHM/o-rsa"); m_ec=$(rate "$SHM/o-ec"); m_tok=$(rate "$SHM/o-tok")
raw_rsa=$(openssl speed -seconds 3 -multi "$J" rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $(NF-1)}' | tail -1)
raw_ec=$(openssl speed -seconds 3 -multi "$J" ecdsap256 2>/dev/null | awk '/256 bits ecdsa/ {print $(NF-1)}' | tail -1)
read -r _ raw_tok < <("$BUILD/bench/tsign-bench-p11sign" "$TSIGN_PKCS11_MODULE" bench sign PIN "$J" 3)
# the shell loop people use today: one process per document
L=200
t0=$(date +%s.%N)
for i in $(seq 1 $L); do
  openssl cms -sign -binary -in "docs/v$i.bin" -signer rsa2048.crt -inkey rsa2048.key -outform DER -out "o-rsa/loop$i.p7s" -cades
done
t1=$(date +%s.%N)
loop=$(awk -v n=$L -v a="$t0" -v b="$t1" 'BEGIN { print n / (b - a) }')
echo "cores: $J; $N documents of 4 KiB; outputs written atomically, made durable by one sync per batch"
line() {  # line NAME DISK TMPFS RAW RAWNAME
  awk -v n="$1" -v b="$2" -v m="$3" -v r="$4" -v rn="$5" 'BEGIN { printf "%-22s tsign batch %6.0f/s (outputs on disk; ratio %.2f)  %6.0f/s (outputs on tmpfs; ratio %.2f)   raw %6.0f/s (%s)\n", n, b, b / r, m, m / r, r, rn }'
}
line "RSA-2048 file key" "$b_rsa" "$m_rsa" "$raw_rsa" "openssl speed -multi $J"
line "ECDSA P-256 file key" "$b_ec" "$m_ec" "$raw_ec" "openssl speed -multi $J"
line "SoftHSM2 RSA-2048 key" "$b_tok" "$m_tok" "$raw_tok" "C_Sign loop, a session per core"
awk -v b="$b_rsa" -v l="$loop" 'BEGIN { printf "RSA-2048 file key vs the openssl cms -sign shell loop (%.0f/s): %.1fx\n", l, b / l }'

# memory for many inputs (tiny documents, ECDSA key)
mkdir many
( cd many && seq 1 "$MANY" | split -l 1000 -d -a 3 - chunk && for c in chunk*; do mkdir "d$c"; while read -r i; do printf '%s\n' "$i" >"d$c/$i.txt"; done <"$c"; rm "$c"; done )
/usr/bin/time -f "%M %e" -o many.time "$TSIGN" batch --key ec-p256.key --cert ec-p256.crt --jobs "$J" --quiet --out-dir o-many many 2>/dev/null
read -r kb secs <many.time
echo "$MANY inputs: peak memory $((kb / 1024)) MiB, $secs s ($(jq -r '.summary.signed' o-many/batch-report.json) signed)"
