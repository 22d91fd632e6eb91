#!/usr/bin/env bash
# The C ABI test under valgrind: no invalid access, no definite or indirect leak.
set -euo pipefail
BIN=${1:?usage: valgrind.sh TEST_CAPI SOURCE_DIR}
SRC=${2:?}
exec valgrind --quiet --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
  --show-leak-kinds=definite,indirect "$BIN" "$SRC/certs-sample" "$SRC/examples/tender-minute.txt"
