#!/usr/bin/env bash
# Re-makes the inputs of every case of the verify corpus (or of the cases named as arguments) by
# running each case's make.sh. expected.json and case.txt are hand-written and left alone.
#
#   TSIGN=/path/to/tsign tests/data/verify/regenerate.sh [CASE...]
#
# Needs openssl 3, faketime, curl, jq, Debian's python3-asn1crypto (/usr/bin/python3) and a tsign
# binary (for `tsign sign`, `cosign`, `extend` and `tsa serve`). Keys are made fresh and thrown
# away, so every output changes; run tests/cli/test_verify_corpus.sh afterwards: the expected
# results and OpenSSL's verdicts must not change.
set -euo pipefail
cd "$(dirname "$0")"
: "${TSIGN:=$(command -v tsign || true)}"
[ -n "$TSIGN" ] || { echo "regenerate.sh: set TSIGN to a tsign binary" >&2; exit 2; }
export TSIGN
/usr/bin/python3 -c 'import asn1crypto' 2>/dev/null || { echo "regenerate.sh: apt-get install python3-asn1crypto" >&2; exit 2; }
command -v faketime >/dev/null || { echo "regenerate.sh: apt-get install faketime" >&2; exit 2; }
cases=("$@")
if [ ${#cases[@]} -eq 0 ]; then
  for d in */make.sh; do cases+=("${d%/make.sh}"); done
fi
failed=0
for c in "${cases[@]}"; do
  c=${c%/}
  if (cd "$c" && ./make.sh >/dev/null 2>"/tmp/regenerate-$$.err"); then
    echo "made $c"
  else
    echo "FAILED $c:" >&2
    sed 's/^/  /' "/tmp/regenerate-$$.err" >&2
    failed=$((failed + 1))
  fi
done
rm -f "/tmp/regenerate-$$.err"
echo "${#cases[@]} cases, $failed failed"
[ "$failed" -eq 0 ]
