#!/usr/bin/env bash
# tsaold's certificate ran 2005..2020-12-31; its token claims genTime 2024-01-01, after the expiry.
# The signature has that token, then a valid one (tsa, 2024-01-01) as a second value.
source "$(dirname "$0")/../_tools/lib.sh"
two_level_pki
END=20201231235959Z issue tsaold "/CN=سرویس مهر زمانی قدیمی آزمون/O=$ORG/C=IR" p256 tsa root
doc
SIGNTIME="2024-01-01 11:59:00" sign "$K/ali.pem" "$K/ali.key" sig.p7s
tstoken sig.p7s "$K/ts-good.der" tsa "2024-01-01 12:00:00"
tstoken sig.p7s "$K/ts-old.der" tsaold "2024-01-01 12:00:00"
add_ts sig.p7s "$K/ts-old.der"
add_ts sig.p7s "$K/ts-good.der" --append
write_args --trust trust.pem sig.p7s doc.txt
