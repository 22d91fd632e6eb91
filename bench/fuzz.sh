#!/usr/bin/env bash
# Long fuzzing: every harness of tests/fuzz for HOURS in total (shared evenly, two at a time), the
# corpus growing in a work folder. Then each target's work corpus is merged into tests/fuzz/corpus/TARGET
# with libFuzzer's -merge=1 (only inputs that add coverage, minimised), for you to review and commit.
# Findings stop nothing here: they are listed at the end with their inputs; add each, once fixed,
# to tests/fuzz/regressions/TARGET/. Usage: bench/fuzz.sh HOURS [TARGET...]
set -uo pipefail
cd "$(dirname "$0")/.."
hours=${1:?usage: bench/fuzz.sh HOURS [TARGET...]}
shift
bash scripts/build-fuzz.sh build-fuzz >/dev/null || exit 1
if [ $# -gt 0 ]; then targets=("$@"); else
  targets=(); for f in build-fuzz/tests/fuzz/fuzz_*; do [ -x "$f" ] && targets+=("$(basename "$f" | sed 's/^fuzz_//')"); done
fi
work=${FUZZ_WORK:-/tmp/tsign-fuzz-work}
mkdir -p "$work"
per=$(awk -v h="$hours" -v n="${#targets[@]}" -v j="$(nproc)" 'BEGIN { s = int(h * 3600 * j / n); print (s < 10 ? 10 : s) }')
echo "fuzzing ${#targets[@]} targets, $per s each, work corpus in $work"
FUZZ_KEEP_CORPUS=$work bash tests/fuzz/run.sh "$per" build-fuzz "${targets[@]}"
status=$?
export ASAN_OPTIONS=detect_leaks=0
for t in "${targets[@]}"; do
  [ -d "$work/$t" ] || continue
  before=$(ls tests/fuzz/corpus/"$t" | wc -l)
  build-fuzz/tests/fuzz/fuzz_"$t" -merge=1 -timeout=10 -rss_limit_mb=2048 tests/fuzz/corpus/"$t" "$work/$t" >/dev/null 2>&1
  echo "$t: corpus $before -> $(ls tests/fuzz/corpus/"$t" | wc -l) files"
done
exit $status
