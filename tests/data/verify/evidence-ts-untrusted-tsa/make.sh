#!/usr/bin/env bash
# The signature timestamp comes from a TSA under a root that is NOT a trust anchor.
source "$(dirname "$0")/../_tools/lib.sh"
two_level_pki
issue root2 "/CN=مرکز صدور گواهی ناشناس/O=$ORG/C=IR" p256 root -
issue tsa2 "/CN=سرویس مهر زمانی ناشناس/O=$ORG/C=IR" p256 tsa root2
doc
sign "$K/ali.pem" "$K/ali.key" sig.p7s
TSA_CHAIN=$K/root2.pem tstoken sig.p7s "$K/tok.der" tsa2
add_ts sig.p7s "$K/tok.der"
write_args --trust trust.pem sig.p7s doc.txt
