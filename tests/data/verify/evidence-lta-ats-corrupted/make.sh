#!/usr/bin/env bash
# B-LTA whose archive timestamp token has one byte of its signature value changed.
source "$(dirname "$0")/../_tools/lib.sh"
make_lta
$CMS corrupt-token sig.p7s "$K/bad.p7s" "$OID_ATS3"
mv "$K/bad.p7s" sig.p7s
write_args --trust trust.pem --crl crl.pem sig.p7s doc.txt
