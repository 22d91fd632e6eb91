#!/usr/bin/env bash
# One signature-timestamp attribute with two values: first a token over other data, then a good one.
source "$(dirname "$0")/../_tools/lib.sh"
two_level_pki
doc
sign "$K/ali.pem" "$K/ali.key" sig.p7s
tstoken sig.p7s "$K/good.der" tsa
printf 'another document\n' >"$K/other.bin"
DATA=$K/other.bin tstoken sig.p7s "$K/bad.der" tsa
add_ts sig.p7s "$K/bad.der"
add_ts sig.p7s "$K/good.der" --append
write_args --trust trust.pem sig.p7s doc.txt
