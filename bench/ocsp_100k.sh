#!/usr/bin/env bash
# Issue 13: "A CA with 100,000 certificates and an RSA key answers from the first second after start."
# A report, never a test: nothing asserts. Called by bench/run_http.sh (part 5), or alone.
#   setup: `tsign ca init --key-type rsa2048`, ONE certificate issued with `tsign ca issue`, then
#          99,999 copies of its row in CA/ca.db (new serials 7E000…0001…, same der, subject and dates,
#          status 'valid', issued_at increasing), inserted in one transaction.
#   (a) time from the start of `tsign ocsp serve` until /healthz answers (polled every 10 ms) and until
#       the first OCSP answer (POST, a random one of the serials) that says good;
#   (b) GETs for random serials, paced over the first 5 s (a new connection each): p50/p99, and how
#       many came from a pre-signed response (tsign_ocsp_cache_hits_total, checked after each one),
#       next to the growth of tsign_ocsp_signatures_total;
#   (c) tsign_ocsp_cache_entries at 1, 5, 10 and 30 s, and the time until the pre-signing is done
#       (the log line "pre-signed the responses of N certificate(s) in S s"); after BENCH_100K_WAIT s
#       it stops waiting and reports the progress;
#   (d) the server's RSS (VmRSS, VmHWM) when done.
# Every response kept is checked with `openssl ocsp -respin … -CAfile` afterwards (status and signature).
# Usage: bench/ocsp_100k.sh [BUILD_DIR]
# Knobs: BENCH_100K_CERTS (100000), BENCH_100K_REQS (200), BENCH_100K_WAIT (180 s).
#        BENCH_100K_VARS=FILE: also write the figures there as shell assignments (for run_http.sh).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
TSIGN=$BUILD/cli/tsign
PY=/usr/bin/python3
N_CERTS=${BENCH_100K_CERTS:-100000}
N_REQS=${BENCH_100K_REQS:-200}
WAIT=${BENCH_100K_WAIT:-180}

W=$(mktemp -d /tmp/tsign-bench-100k-XXXXXX)
PY_PID=
cleanup() {
  local p
  for p in $PY_PID $(cat "$W/server.pid" 2>/dev/null); do kill -TERM "$p" 2>/dev/null || true; done
  for _ in $(seq 1 30); do
    local alive=0
    for p in $PY_PID $(cat "$W/server.pid" 2>/dev/null); do kill -0 "$p" 2>/dev/null && alive=1; done
    ((alive)) || break; sleep 0.1
  done
  for p in $PY_PID $(cat "$W/server.pid" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cd "$W"

free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 12000))
    [[ -z $(ss -Htan "( sport = :$p or dport = :$p )" 2>/dev/null) ]] && break
  done
  echo "$p"
}

# ---------- the CA: RSA-2048 key, one real certificate, then the copies ----------
export CA_PIN=bench-100k-pass
SETUP0=$(date +%s.%N)
"$TSIGN" ca init --dir CA --subject "/CN=Bench 100k RSA CA/C=IR" --key-type rsa2048 --pin-source env:CA_PIN >/dev/null 2>&1
"$TSIGN" key gen --type ec-p256 --out ee.key >/dev/null 2>&1
"$TSIGN" csr --key ee.key --subject "/CN=Bench 100k Member/C=IR" --out ee.csr
"$TSIGN" ca issue --dir CA --csr ee.csr --pem --out ee.crt --pin-source env:CA_PIN
# the schema this relies on (sqlite3 CA/ca.db .schema): certificates(serial TEXT PRIMARY KEY, subject,
# profile, not_before, not_after, status, revoked_at, reason, der BLOB, issued_at)
for col in serial subject profile not_before not_after status der issued_at; do
  sqlite3 CA/ca.db "PRAGMA table_info(certificates)" | cut -d'|' -f2 | grep -qx "$col" \
    || { echo "CA/ca.db: table certificates has no column $col; the schema changed" >&2; exit 1; }
done
[[ $(sqlite3 CA/ca.db "SELECT count(*) FROM certificates") == 1 ]] || { echo "expected one certificate in CA/ca.db" >&2; exit 1; }
INS0=$(date +%s.%N)
# Serials 7E + 30 hex digits: 16 bytes, top bit clear, no leading zero byte, so they read back unchanged
# (BN_bn2hex). issued_at increases with the number; the real certificate stays the newest.
sqlite3 CA/ca.db <<SQL
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $((N_CERTS - 1)))
INSERT INTO certificates (serial, subject, profile, not_before, not_after, status, revoked_at, reason, der, issued_at)
  SELECT printf('7E%030X', n.i), c.subject, c.profile, c.not_before, c.not_after, 'valid', NULL, NULL, c.der,
         c.issued_at - $N_CERTS + n.i
  FROM n, (SELECT * FROM certificates) AS c;
COMMIT;
SQL
INS1=$(date +%s.%N)
ROWS=$(sqlite3 CA/ca.db "SELECT count(*) FROM certificates WHERE status = 'valid' AND not_after > strftime('%s', 'now')")
DB_MB=$(du -m CA/ca.db | cut -f1)

# the requests, built before the server starts: openssl ocsp (SHA-1 CertID, no nonce), random serials
sqlite3 CA/ca.db "SELECT serial FROM certificates ORDER BY random() LIMIT $((N_REQS + 1))" >serials.txt
mkdir -p req resp
awk '{ printf "%d %s\n", NR - 1, $1 }' serials.txt |
  xargs -P "$(nproc)" -n 2 sh -c 'openssl ocsp -issuer CA/ca.crt.pem -serial "0x$1" -no_nonce -reqout "req/$0.der" >/dev/null 2>&1'
[[ $(find req -name '*.der' | wc -l) == $((N_REQS + 1)) ]] || { echo "openssl ocsp did not build every request" >&2; exit 1; }
SETUP1=$(date +%s.%N)
echo "setup: RSA-2048 CA, 1 issued + $((N_CERTS - 1)) copied rows in one transaction in $(awk -v a="$INS0" -v b="$INS1" 'BEGIN { printf "%.2f", b - a }') s" \
  "($ROWS unexpired valid rows, ca.db $DB_MB MB); $((N_REQS + 1)) requests built; setup $(awk -v a="$SETUP0" -v b="$SETUP1" 'BEGIN { printf "%.1f", b - a }') s;" \
  "load $(cut -d' ' -f1-3 /proc/loadavg)"

PORT=$(free_port)
"$PY" - "$TSIGN" "$PORT" "$N_REQS" "$WAIT" "$ROWS" "${BENCH_100K_VARS:-}" <<'PYEOF' &
import base64, http.client, math, os, re, signal, subprocess, sys, time, urllib.parse

tsign, port, n_reqs, wait_max, n_rows, vars_file = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
serials = [l.strip() for l in open("serials.txt")]
reqs = [open(f"req/{i}.der", "rb").read() for i in range(len(serials))]

t0 = time.monotonic()
srv = subprocess.Popen([tsign, "ocsp", "serve", "--dir", "CA", "--listen", f"127.0.0.1:{port}", "--pin-source", "env:CA_PIN",
                        "--log-format", "off"], stdout=subprocess.DEVNULL, stderr=open("server.log", "wb"))
open("server.pid", "w").write(str(srv.pid))
el = lambda: time.monotonic() - t0

def request(method, path, body=None, timeout=10):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        hdr = {"Content-Type": "application/ocsp-request"} if body is not None else {}
        c.request(method, path, body=body, headers=hdr)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()

def metrics():
    try:
        st, body = request("GET", "/metrics", timeout=5)
    except OSError:
        return None
    if st != 200:
        return None
    out = {}
    for line in body.decode(errors="replace").splitlines():
        m = re.match(r"^(tsign_ocsp_\w+)\s+([0-9.eE+-]+)$", line)
        if m:
            out[m.group(1)] = float(m.group(2))
    return out

def ocsp_ok(der):  # OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED (0 = successful), ... }
    i = 2 + ((der[1] & 0x7F) if len(der) > 1 and der[1] & 0x80 else 0)
    return len(der) > i + 3 and der[0] == 0x30 and der[i:i + 3] == b"\x0a\x01\x00"

log_pos, done_line = 0, None
def check_log():
    global log_pos, done_line
    with open("server.log", "rb") as f:
        f.seek(log_pos)
        chunk = f.read()
    cut = chunk.rfind(b"\n") + 1
    log_pos += cut
    m = re.search(rb"pre-signed the responses of (\d+) certificate\(s\) in ([0-9.]+) s", chunk[:cut])
    if m and done_line is None:
        done_line = (el(), int(m.group(1)), float(m.group(2)))

SAMPLES = [1, 5, 10, 30]
samples = {}
def maybe_sample():
    check_log()
    for t in SAMPLES:
        if t not in samples and el() >= t:
            samples[t] = (el(), metrics())

def rss():
    try:
        st = open(f"/proc/{srv.pid}/status").read()
        g = lambda k: int(re.search(rf"^{k}:\s+(\d+) kB", st, re.M).group(1))
        return g("VmRSS"), g("VmHWM")
    except (OSError, AttributeError):
        return None, None

def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, max(0, math.ceil(p / 100 * len(v)) - 1))] if v else float("nan")  # nearest rank

try:
    # (a) /healthz every 10 ms, then the first OCSP answer (POST)
    t_health = None
    while el() < 60:
        maybe_sample()
        if srv.poll() is not None:
            sys.exit(f"the server exited with {srv.returncode} before answering; log: {open('server.log').read()[-2000:]}")
        try:
            if request("GET", "/healthz", timeout=1)[0] == 200:
                t_health = el(); break
        except OSError:
            pass
        time.sleep(0.01)
    if t_health is None:
        sys.exit("no answer from /healthz within 60 s")
    t_first, first_tries = None, 0
    while el() < 60:
        first_tries += 1
        try:
            st, body = request("POST", "/", reqs[0])
            if st == 200 and ocsp_ok(body):
                t_first = el(); open("resp/0.der", "wb").write(body); break
        except OSError:
            pass
        time.sleep(0.01)
    if t_first is None:
        sys.exit("no successful OCSP answer within 60 s")
    maybe_sample()

    # (b) n_reqs GETs for random serials, paced over the rest of the first 5 s, a new connection each
    m0 = metrics()
    start = el()
    step = max(0.0, (5.0 - start) / n_reqs)
    lat, hit_lat, miss_lat, bad, hits = [], [], [], 0, 0
    h_prev = m0.get("tsign_ocsp_cache_hits_total", 0)
    for i in range(1, n_reqs + 1):
        while el() < start + (i - 1) * step:
            maybe_sample()
            time.sleep(min(0.002, max(0.0, start + (i - 1) * step - el())))
        path = "/" + urllib.parse.quote(base64.b64encode(reqs[i]).decode(), safe="")
        a = time.monotonic()
        try:
            st, body = request("GET", path)
        except OSError:
            st, body = 0, b""
        ms = (time.monotonic() - a) * 1000
        lat.append(ms)
        if st == 200 and ocsp_ok(body):
            open(f"resp/{i}.der", "wb").write(body)
        else:
            bad += 1
        m = metrics() or {}
        h = m.get("tsign_ocsp_cache_hits_total", h_prev)
        (hit_lat if h > h_prev else miss_lat).append(ms)
        hits += h > h_prev
        h_prev = h
    end = el()
    m1 = metrics()
    maybe_sample()

    # (c) cache entries at 1, 5, 10, 30 s; the end of the pre-signing (log line), at most wait_max s
    t_done, last_m = None, None
    while True:
        maybe_sample()
        if done_line and t_done is None:
            t_done = done_line[0]
        if (t_done is not None and all(t in samples for t in SAMPLES)) or el() >= wait_max or srv.poll() is not None:
            break
        time.sleep(0.25)
    final_m = metrics() or {}
    t_final = el()
    vm_rss, vm_hwm = rss()  # (d)
    srv.send_signal(signal.SIGTERM)
    try:
        rc = srv.wait(20)
    except subprocess.TimeoutExpired:
        srv.kill(); rc = "killed after 20 s"
finally:
    if srv.poll() is None:
        srv.kill(); srv.wait()

# every response kept: openssl says good and the signature verifies against the CA
good = 0
for i, s in enumerate(serials):
    if not os.path.exists(f"resp/{i}.der"):
        continue
    r = subprocess.run(["openssl", "ocsp", "-respin", f"resp/{i}.der", "-issuer", "CA/ca.crt.pem", "-CAfile", "CA/ca.crt.pem",
                        "-serial", "0x" + s], capture_output=True, text=True)
    good += r.returncode == 0 and f": good" in r.stdout and "Response verify OK" in r.stderr
first_good = subprocess.run(["openssl", "ocsp", "-respin", "resp/0.der", "-issuer", "CA/ca.crt.pem", "-CAfile", "CA/ca.crt.pem",
                             "-serial", "0x" + serials[0]], capture_output=True, text=True)
first_ok = first_good.returncode == 0 and ": good" in first_good.stdout and "Response verify OK" in first_good.stderr
log_lines = sum(1 for _ in open("server.log", "rb"))

g = lambda m, k: int(m.get(k, 0)) if m else 0
print(f"(a) start -> /healthz 200: {t_health:.3f} s; start -> first OCSP answer (POST, random serial): {t_first:.3f} s"
      f" ({first_tries} tr{'y' if first_tries == 1 else 'ies'}; openssl ocsp: {'good, verify OK' if first_ok else 'NOT good/verified'})")
sig_growth = g(m1, "tsign_ocsp_signatures_total") - g(m0, "tsign_ocsp_signatures_total")
print(f"(b) {n_reqs} GETs, random serials, {start:.2f}-{end:.2f} s after start, a new connection each: p50 {pct(lat, 50):.2f} ms,"
      f" p99 {pct(lat, 99):.2f} ms, max {max(lat):.2f} ms, failed {bad}; openssl ocsp good+verified {good}/{len(serials)} (all kept)")
print(f"(b) pre-signed already: {hits}/{n_reqs} (cache_hits_total +{g(m1, 'tsign_ocsp_cache_hits_total') - g(m0, 'tsign_ocsp_cache_hits_total')});"
      f" signed on demand: {len(miss_lat)} (p50 {pct(miss_lat, 50):.2f} / p99 {pct(miss_lat, 99):.2f} ms);"
      f" hits p50 {pct(hit_lat, 50):.2f} / p99 {pct(hit_lat, 99):.2f} ms; signatures_total +{sig_growth} in the window (background + on demand)")
parts = []
for t in SAMPLES:
    if t not in samples:
        parts.append(f"{t} s: not reached")
    else:
        at, m = samples[t]
        parts.append(f"{t} s: {g(m, 'tsign_ocsp_cache_entries')}" if m else f"{t} s: no /metrics")
print(f"(c) tsign_ocsp_cache_entries of {n_rows}: " + ", ".join(parts))
if t_done is not None:
    print(f"(c) pre-signing done {t_done:.1f} s after start (seen in the log within 0.25 s; log: {done_line[1]} certificate(s) in {done_line[2]:.1f} s,"
          f" {done_line[1] / max(done_line[2], 1e-9):.0f}/s); cache_entries {g(final_m, 'tsign_ocsp_cache_entries')},"
          f" signatures_total {g(final_m, 'tsign_ocsp_signatures_total')}")
else:
    ce = g(final_m, "tsign_ocsp_cache_entries")
    print(f"(c) pre-signing NOT done after {t_final:.0f} s: {ce}/{n_rows} cached ({100 * ce / max(n_rows, 1):.1f}%,"
          f" {ce / max(t_final, 1e-9):.0f}/s), signatures_total {g(final_m, 'tsign_ocsp_signatures_total')}")
print(f"(d) server RSS {'when done' if t_done is not None else f'at {t_final:.0f} s'}: {(vm_rss or 0) / 1024:.1f} MiB"
      f" (peak {(vm_hwm or 0) / 1024:.1f} MiB); SIGTERM exit {rc}; stderr with --log-format off: {log_lines} lines")
if vars_file:
    with open(vars_file, "w") as f:
        f.write(f"K_HEALTH={t_health:.3f}\nK_FIRST={t_first:.3f}\nK_FIRST_OK={'yes' if first_ok else 'no'}\n"
                f"K_P50={pct(lat, 50):.2f}\nK_P99={pct(lat, 99):.2f}\nK_HITS={hits}\nK_REQS={n_reqs}\nK_BAD={bad}\nK_VERIFIED={good}/{len(serials)}\n"
                f"K_DONE={'%.1f' % t_done if t_done is not None else 'NA'}\nK_CACHED={g(final_m, 'tsign_ocsp_cache_entries')}\n"
                f"K_ROWS={n_rows}\nK_RSS={(vm_rss or 0) // 1024}\nK_HWM={(vm_hwm or 0) // 1024}\n")
PYEOF
PY_PID=$!
wait "$PY_PID"
