#!/usr/bin/env bash
# An attached signature whose embedded content was changed (one Persian digit, same length).
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s -nodetach
rm doc.txt
$PY - sig.p7s <<'PY'
import sys
p = sys.argv[1]
b = open(p, "rb").read()
old, new = "۱۴۰۵-۱۲".encode(), "۱۴۰۵-۱۳".encode()
assert b.count(old) == 1
open(p, "wb").write(b.replace(old, new))
PY
write_args --trust trust.pem sig.p7s
