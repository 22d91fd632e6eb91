#!/usr/bin/env bash
# Runs every fuzz harness: first the whole regression corpus (the seeds in corpus/TARGET and the
# minimised inputs of past findings in regressions/TARGET, every one must pass), then SECONDS of
# fuzzing per target, two targets at a time. A crash, leak, UB report, timeout (-timeout=10) or
# out-of-memory (-rss_limit_mb=2048) fails the run; the input is kept in OUT/TARGET/ and printed in
# base64. Usage: run.sh [SECONDS] [BUILD_DIR] [TARGET...]   (default 25 s, build-fuzz, all)
# With FUZZ_KEEP_CORPUS=DIR, new inputs are written to DIR/TARGET (bench/fuzz.sh); else they are
# thrown away.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
seconds=${1:-25}
build=${2:-build-fuzz}
shift 2 2>/dev/null || shift $#
cd "$here/../.."
[ -x "$build/tests/fuzz/fuzz_describe" ] || { echo "no fuzzers in $build: build with scripts/build-fuzz.sh" >&2; exit 2; }
if [ $# -gt 0 ]; then targets=("$@"); else
  targets=(); for f in "$build"/tests/fuzz/fuzz_*; do [ -x "$f" ] && targets+=("$(basename "$f" | sed 's/^fuzz_//')"); done
fi
out=$(mktemp -d /tmp/tsign-fuzz-XXXXXX)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$here/../lsan.supp:print_suppressions=0
export TSIGN_OFFLINE=1

one() {  # one TARGET: regression corpus, then fuzzing
  local t=$1 bin=$build/tests/fuzz/fuzz_$1 log=$out/$1.log
  local dirs=("$here/corpus/$t") opts=(-timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1)
  [ -d "$here/regressions/$t" ] && dirs+=("$here/regressions/$t")
  [ -f "$here/dict/$t.dict" ] && opts+=("-dict=$here/dict/$t.dict")
  mkdir -p "$out/$t/crashes" "$out/$t/new"
  # 1. every seed and past finding, once
  if ! "$bin" "${opts[@]}" -runs=0 -artifact_prefix="$out/$t/crashes/" "${dirs[@]}" >"$log" 2>&1; then
    echo "FAIL $t: an input of the regression corpus fails"; tail -40 "$log"; return 1
  fi
  # 2. fuzzing: new inputs go to the first folder
  local keep=$out/$t/new
  [ -n "${FUZZ_KEEP_CORPUS:-}" ] && keep=$FUZZ_KEEP_CORPUS/$t && mkdir -p "$keep"
  if ! "$bin" "${opts[@]}" -max_total_time="$seconds" -artifact_prefix="$out/$t/crashes/" "$keep" "${dirs[@]}" >>"$log" 2>&1; then
    echo "FAIL $t: a new finding"
    grep -E "ERROR|runtime error|FINDING|SUMMARY" "$log" | head -5
    tail -60 "$log"
    for f in "$out/$t"/crashes/*; do [ -f "$f" ] && { echo "input ($f), base64:"; base64 -w 100 "$f" | head -50; }; done
    return 1
  fi
  # executions and coverage, from libFuzzer's final report
  local execs cov ft corp
  execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+$')
  cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+')
  ft=$(grep -Eo 'ft: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+')
  corp=$(grep -Eo 'corp: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+')
  printf 'ok   %-20s %9s execs in %ss (%s/s)  cov %s  ft %s  corpus %s\n' "$t" "$execs" "$seconds" \
    "$(( ${execs:-0} / (seconds > 0 ? seconds : 1) ))" "${cov:-?}" "${ft:-?}" "${corp:-?}"
}

status=0
pids=()
jobs_max=${FUZZ_JOBS:-$(nproc)}
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n || status=1; done
  one "$t" &
done
while [ "$(jobs -rp | wc -l)" -gt 0 ]; do wait -n || status=1; done
if [ $status -eq 0 ]; then echo "fuzzing: ${#targets[@]} targets, no findings"; rm -rf "$out"; else echo "fuzzing: FINDINGS (inputs in $out)"; fi
exit $status
