#!/usr/bin/env bash
# The signing-time attribute changed from 2024-05-01 10:00 to 11:00 after signing (not re-signed).
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
doc
SIGNTIME="2024-05-01 10:00:00" CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
$PY - sig.p7s <<'PY'
import sys
p = sys.argv[1]
b = open(p, "rb").read()
assert b.count(b"240501100000Z") == 1
open(p, "wb").write(b.replace(b"240501100000Z", b"240501110000Z"))
PY
write_args --trust trust.pem sig.p7s doc.txt
