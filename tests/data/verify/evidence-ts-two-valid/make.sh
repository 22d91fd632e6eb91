#!/usr/bin/env bash
# Two signature-timestamp attributes from two trusted TSAs, both over this signature value.
source "$(dirname "$0")/../_tools/lib.sh"
two_level_pki
issue tsa2 "/CN=سرویس مهر زمانی دوم/O=$ORG/C=IR" p256 tsa root
doc
sign "$K/ali.pem" "$K/ali.key" sig.p7s
tstoken sig.p7s "$K/t1.der" tsa
tstoken sig.p7s "$K/t2.der" tsa2
add_ts sig.p7s "$K/t1.der"
add_ts sig.p7s "$K/t2.der"
write_args --trust trust.pem sig.p7s doc.txt
