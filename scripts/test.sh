#!/usr/bin/env bash
# Lint of the last commit's changes, then the whole test suite: unit tests and command-line tests against real SoftHSM2 tokens, checked
# with openssl, pkcs11-tool and GnuTLS certtool; first in the normal build, then again in the
# AddressSanitizer + UndefinedBehaviorSanitizer build; then every fuzz harness (tests/fuzz) over its
# regression corpus and for FUZZ_SECONDS (10) of fuzzing. Installs missing packages first.
# Usage: scripts/test.sh [--no-sanitize]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
status=0

echo "== lint (the last commit: scripts/lint.sh) =="
bash scripts/lint.sh || status=1

echo "== build (RelWithDebInfo) =="
bash scripts/build.sh build
echo "== tests =="
(cd build && ctest --output-on-failure -j "$(nproc)") || status=1

echo "== install, examples against the installed library, Debian package =="
PREFIX=$(mktemp -d /tmp/tsign-prefix-XXXXXX)
cmake --install build --prefix "$PREFIX" >/dev/null
bash examples/run.sh "$PREFIX" || status=1
rm -rf "$PREFIX"
(cd build && rm -f tsign_*.deb && cpack -G DEB >/dev/null) || status=1
deb=$(ls build/tsign_*.deb)
for f in ./usr/bin/tsign ./usr/lib/libtsign.so.0 ./usr/include/tsign/tsign.h ./usr/lib/pkgconfig/tsign.pc \
         ./usr/lib/cmake/tsign/tsignConfig.cmake ./usr/share/man/man1/tsign.1.gz ./usr/share/bash-completion/completions/tsign; do
  dpkg-deb -c "$deb" | awk '{print $6}' | grep -qx "$f" || { echo "package lacks $f"; status=1; }
done
if [ "${CI:-}" = true ] && [ "$(id -u)" = 0 ] && ! dpkg-query -W -f='${Status}' tsign 2>/dev/null | grep -q "install ok installed"; then
  # a fresh CI machine: install the package for real, use it, remove it
  echo "== the package installed on this machine =="
  dpkg -i "$deb" >/dev/null && tsign --version && man -w tsign && bash examples/run.sh /usr || status=1
  dpkg -P tsign >/dev/null || status=1
fi

if [ "${1:-}" != "--no-sanitize" ]; then
  echo "== build (address + undefined sanitizers) =="
  BUILD_TYPE=Debug bash scripts/build.sh build-asan -DTSIGN_SANITIZE=ON
  echo "== tests under the sanitizers =="
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  (cd build-asan && ctest --output-on-failure -j "$(nproc)") || status=1
  echo "== fuzzers (clang, libFuzzer + address + undefined sanitizers): regression corpus, then ${FUZZ_SECONDS:-10} s each =="
  bash scripts/build-fuzz.sh build-fuzz >/dev/null || status=1
  bash tests/fuzz/run.sh "${FUZZ_SECONDS:-10}" build-fuzz || status=1
fi
exit $status
