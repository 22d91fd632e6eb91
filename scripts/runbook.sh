#!/usr/bin/env bash
# Runs every ```sh block of a Markdown runbook (docs/runbook.md), in order, in one bash shell
# with `set -euo pipefail`, in the current folder. Each block is echoed before it runs; the first
# failing command stops the run with its exit code and the block it was in. Background services
# the runbook starts are stopped when the run ends, however it ends.
# Usage: scripts/runbook.sh [--list] RUNBOOK.md
#   --list  print the blocks as the shell would run them, run nothing
# The runbook calls `tsign`; put the one to test first on PATH (scripts/demo.sh and
# tests/cli/test_runbook.sh do).
set -euo pipefail
list=0
if [ "${1:-}" = "--list" ]; then list=1; shift; fi
doc=${1:?usage: scripts/runbook.sh [--list] RUNBOOK.md}
[ -r "$doc" ] || { echo "runbook.sh: cannot read $doc" >&2; exit 3; }

# The blocks: a line that is exactly ```sh opens one, a line that is exactly ``` closes it.
# Anything else (```text samples of output, prose) is not run. A block left open is an error.
script=$(awk -v doc="$doc" '
  /^```sh[[:space:]]*$/ { if (inblock) { print "runbook.sh: " doc ":" NR ": a block opens inside a block" > "/dev/stderr"; exit 3 }
                          inblock = 1; n++; start = NR
                          printf "__runbook_block %d %d\n", n, NR; next }
  /^```[[:space:]]*$/ { if (inblock) { inblock = 0; next } }
  inblock { print }
  END { if (inblock) { print "runbook.sh: " doc ":" start ": block not closed" > "/dev/stderr"; exit 3 }
        if (n == 0) { print "runbook.sh: " doc ": no ```sh block" > "/dev/stderr"; exit 3 } }
' "$doc")

if [ "$list" = 1 ]; then printf '%s\n' "$script"; exit 0; fi

preamble='set -euo pipefail
__runbook_at="(before the first block)"
__runbook_block() {
  __runbook_at="block $1 (line $2 of '"$doc"')"
  printf "\n--- %s\n" "$__runbook_at"
}
__runbook_end() {
  rc=$?
  # the services the runbook started in the background
  jobs -p | xargs -r kill 2>/dev/null || true
  wait 2>/dev/null || true
  if [ "$rc" -ne 0 ]; then echo "runbook.sh: failed with exit $rc in $__runbook_at" >&2; fi
  exit "$rc"
}
trap __runbook_end EXIT
'
exec bash -c "$preamble$script"
