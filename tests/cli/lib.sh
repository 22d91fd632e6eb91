# Helpers for the command-line tests. Each test sources this file, gets a fresh temporary
# folder ($W) with its own SoftHSM2 configuration, and reports with ok / fail.
set -u
: "${TSIGN:?set TSIGN to the tsign binary}"
W=$(mktemp -d /tmp/tsign-cli-XXXXXX)
trap 'rm -rf "$W"' EXIT
export SOFTHSM2_CONF="$W/softhsm2.conf"
mkdir -p "$W/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$W" >"$SOFTHSM2_CONF"
SOFTHSM_MODULE=/usr/lib/softhsm/libsofthsm2.so
export TSIGN_PKCS11_MODULE="$SOFTHSM_MODULE"
unset TSIGN_CONFIG
# Conformance data and sample certificates name real internet hosts in their CRL distribution
# points and OCSP URLs: no test may fetch from them. Tests of fetching unset this for one command.
export TSIGN_OFFLINE=1
export TSIGN_CACHE_DIR="$W/cache"
FAILED=0
CHECKS=0

ok() { CHECKS=$((CHECKS + 1)); printf 'ok   %s\n' "$*"; }
fail() { CHECKS=$((CHECKS + 1)); FAILED=$((FAILED + 1)); printf 'FAIL %s\n' "$*"; }

# run CMD...: runs a command, keeps stdout in $W/out, stderr in $W/err, exit code in $RC.
run() {
  "$@" >"$W/out" 2>"$W/err"
  RC=$?
  sanitizer_check "$W/err" "$*"
}

# sanitizer_check FILE WHAT: a sanitizer report in a command's stderr fails the test.
sanitizer_check() {
  if grep -qE "ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|runtime error:" "$1"; then
    fail "sanitizer report from: $2"
    sed -n '1,40p' "$1"
  fi
}

# expect_rc N DESCRIPTION: checks the exit code of the last run.
expect_rc() {
  if [ "$RC" -eq "$1" ]; then ok "$2 (exit $RC)"; else fail "$2: expected exit $1, got $RC; stderr: $(head -c 600 "$W/err")"; fi
}

# expect_err_contains TEXT DESCRIPTION
expect_err_contains() {
  if grep -qF -- "$1" "$W/err"; then ok "$2"; else fail "$2: stderr lacks '$1': $(head -c 600 "$W/err")"; fi
}

expect_out_contains() {
  if grep -qF -- "$1" "$W/out"; then ok "$2"; else fail "$2: stdout lacks '$1': $(head -c 600 "$W/out")"; fi
}

# expect_one_line_error DESCRIPTION: stderr is 'tsign: error: ...' plus at most a hint line.
expect_one_line_error() {
  local first; first=$(head -n 1 "$W/err")
  local n; n=$(grep -vc '^hint: ' "$W/err")
  if [[ "$first" == "tsign: error: "* ]] && [ "$n" -eq 1 ]; then ok "$1: one-line error"; else fail "$1: error output is not one line: $(cat "$W/err")"; fi
}

expect_absent() {
  if [ ! -e "$1" ]; then ok "$2"; else fail "$2: $1 exists"; fi
}

check() {  # check DESCRIPTION CMD...: the command must succeed
  local d=$1; shift
  if "$@" >"$W/check.out" 2>&1; then ok "$d"; else fail "$d: $(head -c 600 "$W/check.out")"; fi
}

check_not() {  # check_not DESCRIPTION CMD...: the command must fail
  local d=$1; shift
  if "$@" >"$W/check.out" 2>&1; then fail "$d: unexpectedly succeeded"; else ok "$d"; fi
}

# json_get FILE EXPR: a jq expression on a JSON file.
json_get() { jq -r "$2" "$1"; }

new_token() {  # new_token LABEL [PIN]
  softhsm2-util --init-token --free --label "$1" --so-pin 87654321 --pin "${2:-123456}" >/dev/null
}

finish() {
  printf '%d passed, %d failed\n' "$((CHECKS - FAILED))" "$FAILED"
  [ "$FAILED" -eq 0 ]
  exit $?
}

# free_ports N: prints the first of N consecutive TCP ports that no socket on this machine uses,
# picked at random below the ephemeral range (/proc/sys/net/ipv4/ip_local_port_range), so that
# no client connection of a test running beside this one can take one of them before a server
# binds it.
free_ports() {
  local n=$1 low=32768 base p used hi
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || low=32768
  hi=$((low - n - 1)); [ "$hi" -gt 10000 ] || hi=30000
  used=" "
  local line f
  for f in /proc/net/tcp /proc/net/tcp6; do
    [ -r "$f" ] || continue
    while read -r _ line _; do
      [[ "$line" == *:* ]] && used+="$((16#${line##*:})) "
    done <"$f"
  done
  for _ in $(seq 1 50); do
    base=$((10000 + (RANDOM * 32768 + RANDOM) % (hi - 10000)))
    for ((p = base; p < base + n; p++)); do
      [[ "$used" == *" $p "* ]] && continue 2
    done
    echo "$base"; return 0
  done
  echo "$base"
}
