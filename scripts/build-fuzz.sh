#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz with clang (library instrumented for coverage, with
# AddressSanitizer and UndefinedBehaviorSanitizer). Usage: build-fuzz.sh [BUILD_DIR] [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build-fuzz}
shift || true
CC=clang CXX=clang++ cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTSIGN_FUZZ=ON -DTSIGN_BUILD_TESTS=OFF "$@" >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target fuzzers
