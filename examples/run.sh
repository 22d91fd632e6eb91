#!/usr/bin/env bash
# Builds and runs every example against an INSTALLED tsign (not the build tree):
#   bash examples/run.sh PREFIX          (e.g. /usr/local, or a `cmake --install --prefix` folder)
# The C++ program signs and verifies the tender minute; the host program loads the C signing
# plugin with dlopen() and signs and verifies through its function table; the Python script
# verifies the signature through the C ABI with ctypes; a C-only program links the STATIC library
# (pkg-config --static, and find_package(tsign) in a project with LANGUAGES C).
set -euo pipefail
PREFIX=$(cd "${1:?usage: examples/run.sh PREFIX}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
S=$HERE/../certs-sample
W=$(mktemp -d /tmp/tsign-examples-XXXXXX)
trap 'rm -rf "$W"' EXIT
LIBDIR=$(dirname "$(find "$PREFIX"/lib* -maxdepth 2 -name libtsign.so.0 -print -quit)")
export PKG_CONFIG_PATH="$LIBDIR/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export TSIGN_EXAMPLE_PASS=tsign-sample   # the TEST-ONLY sample keys' passphrase
DOC=$HERE/tender-minute.txt
KEY=$S/signer-ali-rezaei.key.pem
CERT=$S/signer-ali-rezaei.crt.pem

echo "== C++ (find_package(tsign))"
cmake -S "$HERE/cpp" -B "$W/cpp" -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_BUILD_RPATH="$LIBDIR" >/dev/null
cmake --build "$W/cpp" >/dev/null
"$W/cpp/sign_and_verify" "$KEY" "$CERT" "$S/intermediate.crt.pem" "$S/root.crt.pem" "$DOC" "$W/minute-cpp.p7s"
openssl cms -verify -binary -inform DER -in "$W/minute-cpp.p7s" -content "$DOC" -CAfile "$S/root.crt.pem" -purpose any -out /dev/null

echo "== C signing plugin loaded with dlopen (pkg-config tsign)"
cc -std=c11 -Wall -Wextra -shared -fPIC -fvisibility=hidden "$HERE/c-plugin/plugin.c" $(pkg-config --cflags --libs tsign) \
   -Wl,-rpath,"$LIBDIR" -o "$W/libtsign_plugin.so"
cc -std=c11 -Wall -Wextra "$HERE/c-plugin/host.c" -ldl -o "$W/host"
"$W/host" "$W/libtsign_plugin.so" "$KEY" "$CERT" "$S/intermediate.crt.pem" "$S/root.crt.pem" "$DOC" "$W/minute-c.p7s"
openssl cms -verify -binary -inform DER -in "$W/minute-c.p7s" -content "$DOC" -CAfile "$S/root.crt.pem" -purpose any -out /dev/null

echo "== C only, static libtsign.a: pkg-config --static"
# A static-only view of the install (libdir holding libtsign.a alone), so that -ltsign cannot pick
# libtsign.so: what a system with only the static library sees.
mkdir -p "$W/static-lib"
ln -s "$LIBDIR/libtsign.a" "$W/static-lib/libtsign.a"
PCSTATIC=$(pkg-config --static --define-variable=libdir="$W/static-lib" --cflags --libs tsign)
cc -std=c11 -Wall -Wextra "$HERE/c-static/sign_verify_buffer.c" $PCSTATIC -o "$W/c-static-pc"
if readelf -d "$W/c-static-pc" | grep -q 'NEEDED.*libtsign'; then echo "c-static-pc links libtsign.so, not libtsign.a" >&2; exit 1; fi
if readelf -d "$W/c-static-pc" | grep -q 'NEEDED.*libstdc++'; then :; else echo "c-static-pc: no C++ runtime linked" >&2; exit 1; fi
"$W/c-static-pc" "$KEY" "$CERT" "$S/intermediate.crt.pem" "$S/root.crt.pem"

echo "== C only, static libtsign.a: find_package(tsign), LANGUAGES C, tsign::tsign_static"
cmake -S "$HERE/c-static" -B "$W/c-static" -DCMAKE_PREFIX_PATH="$PREFIX" >/dev/null
cmake --build "$W/c-static" >/dev/null
if readelf -d "$W/c-static/sign_verify_buffer" | grep -q 'NEEDED.*libtsign'; then echo "the CMake build links libtsign.so" >&2; exit 1; fi
"$W/c-static/sign_verify_buffer" "$KEY" "$CERT" "$S/intermediate.crt.pem" "$S/root.crt.pem"

echo "== Python ctypes"
python3 "$HERE/python/verify.py" "$LIBDIR/libtsign.so.0" "$W/minute-c.p7s" "$DOC" "$S/root.crt.pem"
echo "examples: all ran against $PREFIX"
