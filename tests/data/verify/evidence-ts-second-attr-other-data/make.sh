#!/usr/bin/env bash
# Two signature-timestamp attributes: the first over this signature value, the second (a
# genuine token of the same TSA) over other data.
source "$(dirname "$0")/../_tools/lib.sh"
two_level_pki
doc
sign "$K/ali.pem" "$K/ali.key" sig.p7s
tstoken sig.p7s "$K/good.der" tsa
printf 'another document\n' >"$K/other.bin"
DATA=$K/other.bin tstoken sig.p7s "$K/bad.der" tsa
add_ts sig.p7s "$K/good.der"
add_ts sig.p7s "$K/bad.der"
write_args --trust trust.pem sig.p7s doc.txt
