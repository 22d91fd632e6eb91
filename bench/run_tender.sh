#!/usr/bin/env bash
# Sealed tender envelopes (issue 14), figures and ratios from one run (not a test):
#   1. sealing a 50 MiB bid: wall time and peak memory of `tsign tender seal`, against the same work
#      done by openssl alone (`openssl cms -sign` attached, then `openssl cms -encrypt -aes-256-gcm`);
#   2. opening 200 bids with 3 members (2 on SoftHSM2 tokens: RSA-2048 with C_Decrypt, P-256 with
#      C_DeriveKey; 1 RSA file key): share unseals per second per member (one login each), and the
#      opening itself.
# Usage: bench/run_tender.sh [BUILD_DIR]     (BENCH_BIDS, BENCH_MIB to change the sizes)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
TSIGN=$BUILD/cli/tsign
W=$(mktemp -d /tmp/tsign-bench-tender-XXXXXX)
TSA_PID=""
trap '[ -n "$TSA_PID" ] && kill $TSA_PID 2>/dev/null; rm -rf "$W"' EXIT
cd "$W"
BIDS=${BENCH_BIDS:-200}
MIB=${BENCH_MIB:-50}
export P=bench-pass PIN=123456 TSIGN_OFFLINE=1
ms() { date +%s%N | cut -b1-13; }

"$TSIGN" ca init --dir ca --subject "/CN=Bench CA/C=IR" --key-type ec-p256 --pin-source env:P 2>/dev/null
issue() {  # issue NAME PROFILE TYPE
  "$TSIGN" key gen --type "$3" --out "$1.key" >/dev/null 2>&1
  "$TSIGN" csr --key "$1.key" --subject "/CN=$1/C=IR" --out "$1.csr"
  "$TSIGN" ca issue --dir ca --csr "$1.csr" --profile "$2" --pem --out "$1.crt" --pin-source env:P
}
issue office signer ec-p256; issue portal signer ec-p256; issue tsa tsa ec-p256; issue bidder signer ec-p256
issue session encryption ec-p256; issue m1 encryption rsa2048; issue m4 encryption ec-p256; issue m5 encryption rsa2048
export SOFTHSM2_CONF=$W/softhsm2.conf TSIGN_PKCS11_MODULE=/usr/lib/softhsm/libsofthsm2.so
mkdir -p tokens
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$W" >"$SOFTHSM2_CONF"
for t in "m2 rsa2048" "m3 ec-p256"; do
  set -- $t
  softhsm2-util --init-token --free --label "$1" --so-pin 87654321 --pin $PIN >/dev/null
  "$TSIGN" token keygen --token "$1" --label enc --type "$2" --usage encrypt --pin-source env:PIN >/dev/null
  "$TSIGN" ca issue --dir ca --profile encryption --public-key "pkcs11:token=$1;object=enc;pin-source=env:PIN" \
    --subject "/CN=$1/C=IR" --pem --out "$1.crt" --pin-source env:P
done
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$TSIGN" tsa serve --key tsa.key --cert tsa.crt --listen 127.0.0.1:$PORT --state tsa-state --log-format off 2>/dev/null &
TSA_PID=$!
for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done
C=(--trust ca/ca.crt.pem --revocation off)

# 1. A 50 MiB bid ------------------------------------------------------------------------------
DL=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)
"$TSIGN" tender init --id BENCH-1 --deadline "$DL" --tsa http://127.0.0.1:$PORT/ --member m1.crt --member m2.crt \
  --member m3.crt --member m4.crt --member m5.crt --threshold 3 --portal-cert portal.crt --key office.key --cert office.crt \
  --out big-tender.p7s 2>/dev/null
head -c $((MIB << 20)) /dev/urandom >big.bin
cat big.bin >/dev/null
t0=$(ms)
/usr/bin/time -f '%M' -o seal.rss "$TSIGN" tender seal --tender big-tender.p7s "${C[@]}" --envelope A --key bidder.key \
  --cert bidder.crt --out big.pkg big.bin 2>/dev/null
t1=$(ms)
/usr/bin/time -f '%M' -o ossl-sign.rss openssl cms -sign -binary -nodetach -in big.bin -signer bidder.crt -inkey bidder.key \
  -outform DER -out ossl-signed.der
/usr/bin/time -f '%M' -o ossl-enc.rss openssl cms -encrypt -aes-256-gcm -binary -inform DER -in ossl-signed.der -outform DER \
  -out ossl-enc.der m1.crt
t2=$(ms)
seal_ms=$((t1 - t0)); ossl_ms=$((t2 - t1))
printf 'seal %d MiB: tsign %d ms, peak %d MiB; openssl cms -sign + -encrypt %d ms, peak %d MiB (ratio tsign/openssl time %s)\n' \
  "$MIB" "$seal_ms" $(( $(cat seal.rss) / 1024 )) "$ossl_ms" $(( $(sort -n ossl-sign.rss ossl-enc.rss | tail -1) / 1024 )) \
  "$(echo "scale=2; $seal_ms / $ossl_ms" | bc)"

# 2. 200 bids, opened by 3 members ----------------------------------------------------------------
DL=$(date -u -d "+$((BIDS / 2 + 20)) sec" +%Y-%m-%dT%H:%M:%SZ)  # time to make the bidders, seal and receive every bid
"$TSIGN" tender init --id BENCH-2 --deadline "$DL" --tsa http://127.0.0.1:$PORT/ --member m1.crt --member m2.crt \
  --member m3.crt --member m4.crt --member m5.crt --threshold 3 --portal-cert portal.crt --key office.key --cert office.crt \
  --out tender.p7s 2>/dev/null
mkdir -p pk bidders
for i in $(seq 1 "$BIDS"); do  # one bidder per bid: a later bid of the same bidder would supersede
  "$TSIGN" key gen --type ec-p256 --out bidders/$i.key >/dev/null 2>&1
  "$TSIGN" csr --key bidders/$i.key --subject "/CN=bidder $i/C=IR" --out bidders/$i.csr
  "$TSIGN" ca issue --dir ca --csr bidders/$i.csr --profile signer --pem --out bidders/$i.crt --pin-source env:P
  { head -c 4096 /dev/urandom; printf 'bid %d\n' "$i"; } >bid.bin
  "$TSIGN" tender seal --tender tender.p7s "${C[@]}" --envelope A --key bidders/$i.key --cert bidders/$i.crt --out pk/$i.pkg bid.bin 2>/dev/null
done
for i in $(seq 1 "$BIDS"); do
  "$TSIGN" tender receive --tender tender.p7s "${C[@]}" --state portal --key portal.key --cert portal.crt --out pk/$i.rcpt pk/$i.pkg >/dev/null
done
while [ "$(date -u +%s)" -le "$(date -u -d "$DL" +%s)" ]; do sleep 0.5; done
"$TSIGN" tender close --tender tender.p7s "${C[@]}" --state portal --key portal.key --cert portal.crt --out list.p7s
n=$(sqlite3 portal/tender.db 'select count(*) from packages')
for m in "m1 m1.key" "m2 pkcs11:token=m2;object=enc" "m3 pkcs11:token=m3;object=enc"; do
  set -- $m
  t0=$(ms)
  "$TSIGN" tender unseal --tender tender.p7s "${C[@]}" --state portal --list list.p7s --envelope A --key "$2" --cert "$1.crt" \
    --pin-source env:PIN --to session.crt --out "$1.shares" >/dev/null
  t1=$(ms)
  printf 'unseal %s (%s): %d shares in %d ms: %s shares/s\n' "$1" "$2" "$n" $((t1 - t0)) "$(echo "scale=1; $n * 1000 / ($t1 - $t0)" | bc)"
done
t0=$(ms)
"$TSIGN" tender open --tender tender.p7s "${C[@]}" --state portal --list list.p7s --envelope A --key session.key --cert session.crt \
  --shares m1.shares --shares m2.shares --shares m3.shares --out minutes.txt --json >open.json
t1=$(ms)
printf 'open %d bids with 3 members: %d ms (%s bids/s), %s opened\n' "$n" $((t1 - t0)) "$(echo "scale=1; $n * 1000 / ($t1 - $t0)" | bc)" \
  "$(jq '[.bids[] | select(.verdict == "opened")] | length' open.json)"
