#!/usr/bin/env bash
# The whole test suite: unit tests and command-line tests against real SoftHSM2 tokens, checked
# with openssl, pkcs11-tool and GnuTLS certtool; first in the normal build, then again in the
# AddressSanitizer + UndefinedBehaviorSanitizer build. Installs missing packages first.
# Usage: scripts/test.sh [--no-sanitize]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
status=0

echo "== build (RelWithDebInfo) =="
bash scripts/build.sh build
echo "== tests =="
(cd build && ctest --output-on-failure -j "$(nproc)") || status=1

if [ "${1:-}" != "--no-sanitize" ]; then
  echo "== build (address + undefined sanitizers) =="
  BUILD_TYPE=Debug bash scripts/build.sh build-asan -DTSIGN_SANITIZE=ON
  echo "== tests under the sanitizers =="
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  (cd build-asan && ctest --output-on-failure -j "$(nproc)") || status=1
fi
exit $status
