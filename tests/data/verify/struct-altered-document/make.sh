#!/usr/bin/env bash
# Detached signature; the document is changed after signing (one Persian digit).
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
sed -i 's/۱۴۰۵-۱۲/۱۴۰۵-۱۳/' doc.txt
write_args --trust trust.pem sig.p7s doc.txt
