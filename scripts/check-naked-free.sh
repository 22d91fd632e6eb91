#!/usr/bin/env bash
# Fails (listing file:line) on any call to an OpenSSL, libp11, SQLite or libcurl release function
# outside the places that define the owning handles (ARCHITECTURE.md: every object is owned by a
# RAII handle; no naked *_free in business logic, so no leak on an error path).
# A deleter named as a template argument (ossl::Ptr<X509, X509_free>) is not a call and passes.
# Usage: scripts/check-naked-free.sh [SOURCE_ROOT]
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"

# Where the deleters are defined, once each.
allow=(
  lib/core/ossl.hpp      # OpenSSL handles (ossl::Ptr and its aliases)
  lib/core/db.hpp        # SQLite handles
  lib/keys/p11.hpp       # libp11 handles (context, loaded module, slot list)
  lib/net/curl.hpp       # libcurl handles
)

# Release functions: OpenSSL *_free / *_free_all / sk_*_pop_free / OPENSSL_free, SQLite close,
# finalize and free, libp11 unload and slot release, libcurl cleanup, dlclose.
pattern='(\b[A-Za-z0-9_]+_(free|free_all|clear_free)|\bsk_[A-Za-z0-9_]+_pop_free|\bsqlite3_(close|close_v2|finalize|free)|\bPKCS11_(CTX_unload|release_all_slots|release_all_slots)|\bcurl_easy_cleanup|\bdlclose)[[:space:]]*\('

status=0
while IFS= read -r hit; do
  file=${hit%%:*}
  skip=false
  for a in "${allow[@]}"; do [ "$file" = "$a" ] && skip=true; done
  $skip && continue
  text=${hit#*:*:}
  # The C ABI's own release functions (tsign_free, tsign_key_free, ...) are the API, not a leak.
  stripped=$(printf '%s' "$text" | sed -E 's/\btsign_[A-Za-z0-9_]*free[[:space:]]*\(//g; s,//.*$,,')
  printf '%s' "$stripped" | grep -Eq "$pattern" || continue
  echo "$hit"
  status=1
done < <(grep -rnE "$pattern" lib cli --include='*.c' --include='*.cpp' --include='*.h' --include='*.hpp' || true)

if [ $status -ne 0 ]; then
  echo "naked release calls above: own the object with a handle from lib/core/ossl.hpp (or add one there)" >&2
fi
exit $status
