#!/usr/bin/env bash
# The C ABI test under valgrind: no invalid access, no definite or indirect leak.
# With TSIGN, the test also starts a local TSA for tsign_extend().
set -euo pipefail
BIN=${1:?usage: valgrind.sh TEST_CAPI SOURCE_DIR [TSIGN]}
SRC=${2:?}
exec valgrind --quiet --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
  --show-leak-kinds=definite,indirect "$BIN" "$SRC/certs-sample" "$SRC/examples/tender-minute.txt" ${3:+"$3"}
