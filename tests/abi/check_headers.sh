#!/usr/bin/env bash
# The public headers compile on their own, without OpenSSL, libp11 or p11-kit on the include
# path: a folder of look-alike headers that fail if included is put in front of the system's.
set -euo pipefail
SRC=${1:?usage: check_headers.sh SOURCE_DIR}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
for d in openssl p11-kit-1/p11-kit p11-kit; do
  mkdir -p "$W/poison/$d"
done
for h in /usr/include/openssl/*.h /usr/include/x86_64-linux-gnu/openssl/*.h; do
  [ -f "$h" ] && printf '#error "a public tsign header includes OpenSSL (%s)"\n' "$(basename "$h")" >"$W/poison/openssl/$(basename "$h")"
done
printf '#error "a public tsign header includes libp11"\n' >"$W/poison/libp11.h"
printf '#error "a public tsign header includes p11-kit"\n' >"$W/poison/p11-kit/pkcs11.h"
n=0
for h in "$SRC"/include/tsign/*.hpp; do
  printf '#include <tsign/%s>\n' "$(basename "$h")" >"$W/t.cpp"
  c++ -std=c++20 -fsyntax-only -Wall -Wextra -Werror -I "$W/poison" -I "$SRC/include" "$W/t.cpp"
  n=$((n + 1))
done
printf '#include <tsign/tsign.h>\nint main(void) { return tsign_version() ? 0 : 1; }\n' >"$W/t.c"
cc -std=c99 -fsyntax-only -Wall -Wextra -Wpedantic -Werror -I "$W/poison" -I "$SRC/include" "$W/t.c"
c++ -std=c++11 -fsyntax-only -Wall -Wextra -Werror -I "$W/poison" -I "$SRC/include" -x c++ "$W/t.c"
# and the poison works: a header that includes OpenSSL is caught
printf '#include <openssl/evp.h>\n' >"$W/bad.cpp"
if c++ -std=c++20 -fsyntax-only -I "$W/poison" "$W/bad.cpp" 2>/dev/null; then echo "the OpenSSL poison does not work"; exit 1; fi
echo "public headers: $n C++ headers and tsign.h compile without OpenSSL, libp11 or p11-kit"
