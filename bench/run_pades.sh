#!/usr/bin/env bash
# PAdES benchmark (issue 15), figures and ratios from one run (not a test):
#   signing a 100-page, 20 MiB PDF (time and peak memory) with file and token keys, against
#   `sha256sum` of the same file (what reading and hashing it costs) and verifying it;
#   batch-signing 1,000 small PDFs (--format pades) with one login, against the same keys' raw rate
#   (`openssl speed -multi N`; for SoftHSM2 a tight C_Sign loop) and against CAdES batch signing
#   of the same files.
# Usage: bench/run_pades.sh [BUILD_DIR]     (BENCH_PDFS, BENCH_PAGES, BENCH_MIB to change the sizes)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
TSIGN=$BUILD/cli/tsign
W=$(mktemp -d /tmp/tsign-bench-pades-XXXXXX)
trap 'rm -rf "$W"' EXIT
cd "$W"
N=${BENCH_PDFS:-1000}
PAGES=${BENCH_PAGES:-100}
MIB=${BENCH_MIB:-20}
J=$(nproc)
export P=bench-pass PIN=123456 TSIGN_OFFLINE=1
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

# --- one large PDF ----------------------------------------------------------------------------
python3 "$ROOT/bench/make_pdf.py" big.pdf "$PAGES" "$MIB"
size=$(stat -c %s big.pdf)
cat big.pdf >/dev/null
timed() {  # timed NAME CMD...: "seconds peak_MiB"
  /usr/bin/time -f "%e %M" -o "$W/t.$1" "${@:2}" >/dev/null 2>&1
  read -r s kb <"$W/t.$1"
  echo "$s $((kb / 1024))"
}
read -r t_sha m_sha < <(timed sha sha256sum big.pdf)
echo "input: $PAGES pages, $((size / 1048576)) MiB; sha256sum: ${t_sha} s, ${m_sha} MiB"
for k in ec-p256 rsa2048 token; do
  if [ $k = token ]; then args=(--key "pkcs11:token=bench;object=sign" --pin-source env:PIN --cert tok.crt)
  else args=(--key $k.key --cert $k.crt); fi
  read -r t m < <(timed "sign-$k" "$TSIGN" sign "${args[@]}" --out "big-$k.pdf" big.pdf)
  read -r tv mv < <(timed "verify-$k" "$TSIGN" verify --trust ca/ca.crt.pem --revocation off "big-$k.pdf")
  awk -v k="$k" -v t="$t" -v m="$m" -v s="$t_sha" -v tv="$tv" -v mv="$mv" -v sz="$size" 'BEGIN {
    printf "sign %-8s %5.2f s (%.0f MiB/s), peak %3d MiB, %.1fx sha256sum;  verify %5.2f s, peak %3d MiB\n", k, t, sz / 1048576 / (t > 0 ? t : 0.01), m, t / (s > 0 ? s : 0.01), tv, mv }'
done
pdfsig big-ec-p256.pdf | grep -q "Signature is Valid" && echo "pdfsig: the large signed PDF is valid"

# --- many small PDFs, one login -------------------------------------------------------------
mkdir docs
for i in $(seq 1 "$N"); do cp "$ROOT/examples/tender-minute.pdf" "docs/v$i.pdf"; done
cat docs/* >/dev/null
rate() { jq -r '.summary.per_second' "$1/batch-report.json"; }
"$TSIGN" batch --format pades --key rsa2048.key --cert rsa2048.crt --jobs "$J" --quiet --out-dir o-rsa docs 2>/dev/null
"$TSIGN" batch --format pades --key ec-p256.key --cert ec-p256.crt --jobs "$J" --quiet --out-dir o-ec docs 2>/dev/null
"$TSIGN" batch --format pades --key "pkcs11:token=bench;object=sign" --pin-source env:PIN --cert tok.crt --jobs "$J" --quiet \
  --out-dir o-tok docs 2>/dev/null
"$TSIGN" batch --key ec-p256.key --cert ec-p256.crt --jobs "$J" --quiet --out-dir o-cades docs 2>/dev/null
b_rsa=$(rate o-rsa); b_ec=$(rate o-ec); b_tok=$(rate o-tok); b_cades=$(rate o-cades)
raw_rsa=$(openssl speed -seconds 3 -multi "$J" rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $(NF-1)}' | tail -1)
raw_ec=$(openssl speed -seconds 3 -multi "$J" ecdsap256 2>/dev/null | awk '/256 bits ecdsa/ {print $(NF-1)}' | tail -1)
read -r _ raw_tok < <("$BUILD/bench/tsign-bench-p11sign" "$TSIGN_PKCS11_MODULE" bench sign PIN "$J" 3)
echo "cores: $J; $N PDFs of $(stat -c %s "$ROOT/examples/tender-minute.pdf") bytes, one login, --jobs $J"
line() { awk -v n="$1" -v b="$2" -v r="$3" -v rn="$4" 'BEGIN { printf "%-22s batch --format pades %6.0f/s   raw %6.0f/s (%s)   ratio %.2f\n", n, b, r, rn, b / r }'; }
line "RSA-2048 file key" "$b_rsa" "$raw_rsa" "openssl speed -multi $J"
line "ECDSA P-256 file key" "$b_ec" "$raw_ec" "openssl speed -multi $J"
line "SoftHSM2 RSA-2048 key" "$b_tok" "$raw_tok" "C_Sign loop, a session per core"
awk -v p="$b_ec" -v c="$b_cades" 'BEGIN { printf "ECDSA P-256: PAdES %.0f/s vs CAdES (NAME.p7s) %.0f/s on the same files: %.2f\n", p, c, p / c }'
java_ok=$(command -v pdfsig >/dev/null && pdfsig o-tok/v1.pdf | grep -c "Signature is Valid" || true)
echo "pdfsig on a batch output: $java_ok valid signature(s)"
