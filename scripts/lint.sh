#!/usr/bin/env bash
# Lints the C and C++ changes between BASE and HEAD, quickly enough to run before every build:
#   - clang-format-14 (.clang-format): the changed lines must be formatted (clang-format-diff-14),
#     so touching one line of an older file does not force reformatting all of it;
#   - clang-tidy-14 (.clang-tidy, build/compile_commands.json): the changed .c/.cpp files.
# Usage: scripts/lint.sh [BASE]      BASE defaults to HEAD~1 (the last commit)
#        scripts/lint.sh --all       every tracked C/C++ file, whole files (slow; fuzz harnesses included)
# Exit 0 when clean, 1 with the findings listed. Needs clang-format-14 and clang-tidy-14.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${LINT_BUILD_DIR:-build}
FORMAT=clang-format-14
TIDY=clang-tidy-14
FORMAT_DIFF=clang-format-diff-14
for t in $FORMAT $TIDY $FORMAT_DIFF; do
  command -v $t >/dev/null || { echo "lint: $t is missing (apt-get install clang-format-14 clang-tidy-14)" >&2; exit 1; }
done
start=$(date +%s)

all=false
base=HEAD~1
case "${1:-}" in
  --all) all=true ;;
  -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
  "") ;;
  *) base=$1 ;;
esac

sources='\.(c|cc|cpp|h|hpp)$'
# Vendored conformance data and generated files are not ours to format.
exclude='^(tests/data/|build)'
if $all; then
  mapfile -t files < <(git ls-files | grep -E "$sources" | grep -Ev "$exclude" || true)
else
  if ! git rev-parse --verify --quiet "$base^{commit}" >/dev/null; then
    echo "lint: no base commit '$base' (a shallow clone?): nothing to compare, skipped"
    exit 0
  fi
  mapfile -t files < <(git diff --name-only --diff-filter=ACMR "$base" HEAD | grep -E "$sources" | grep -Ev "$exclude" || true)
fi
if [ ${#files[@]} -eq 0 ]; then
  echo "lint: no C/C++ changes since ${base}"
  exit 0
fi
status=0

# --- format ---
if $all; then
  for f in "${files[@]}"; do
    if ! out=$($FORMAT --dry-run -Werror "$f" 2>&1); then
      printf '%s
' "$out" | head -10
      echo "lint: $f is not formatted (clang-format-14 -i $f)"
      status=1
    fi
  done
else
  fixes=$(git diff -U0 --no-color "$base" HEAD -- "${files[@]}" | $FORMAT_DIFF -p1 -binary $FORMAT || true)
  if [ -n "$fixes" ]; then
    printf '%s\n' "$fixes"
    echo "lint: changed lines are not formatted; apply with:"
    echo "  git diff -U0 $base HEAD | clang-format-diff-14 -p1 -i"
    status=1
  fi
fi

# --- tidy (translation units only; headers are checked through them) ---
if [ ! -f "$BUILD/compile_commands.json" ]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} >/dev/null
fi
tus=()
for f in "${files[@]}"; do
  case "$f" in *.c|*.cc|*.cpp) grep -q "\"file\": \"$PWD/$f\"" "$BUILD/compile_commands.json" && tus+=("$f") ;; esac
done
if [ ${#tus[@]} -gt 0 ]; then
  log=$(mktemp)
  # One clang-tidy per file, as many at once as there are cores.
  printf '%s\n' "${tus[@]}" | xargs -P "$(nproc)" -I{} sh -c "$TIDY -p '$BUILD' --quiet '{}' 2>/dev/null" >"$log" || true
  if grep -qE '(warning|error):' "$log"; then
    grep -E -A3 '(warning|error):' "$log" | head -200
    echo "lint: clang-tidy findings above"
    status=1
  fi
  rm -f "$log"
fi

echo "lint: ${#files[@]} file(s), ${#tus[@]} tidied, $(( $(date +%s) - start )) s: $([ $status -eq 0 ] && echo clean || echo FINDINGS)"
exit $status
