#!/usr/bin/env bash
# The message-digest signed attribute is removed and the remaining signed attributes signed again.
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
$CMS resign sig.p7s "$K/x.p7s" --key "$K/ali.key" --drop 1.2.840.113549.1.9.4
mv "$K/x.p7s" sig.p7s
write_args --trust trust.pem sig.p7s doc.txt
