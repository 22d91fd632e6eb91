#!/usr/bin/env bash
# The signature timestamp token's own signature value has one byte changed.
source "$(dirname "$0")/../_tools/lib.sh"
two_level_pki
doc
sign "$K/ali.pem" "$K/ali.key" sig.p7s
tstoken sig.p7s "$K/tok.der" tsa
add_ts sig.p7s "$K/tok.der"
$CMS corrupt-token sig.p7s "$K/bad.p7s" "$OID_TS"
mv "$K/bad.p7s" sig.p7s
write_args --trust trust.pem sig.p7s doc.txt
