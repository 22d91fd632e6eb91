#!/usr/bin/env bash
# A signature timestamp from a trusted TSA (certificate 2005..2099) whose genTime is 2096-06-01,
# decades after the case is verified; the signer's certificate runs 2095..2099 (root to 2099).
# (Review finding: a timestamp from the future was taken as proof of time.)
source "$(dirname "$0")/../_tools/lib.sh"
END=20991231235959Z issue root "$ROOT_SUBJ" p256 root -
START=20950101000000Z END=20991230235959Z issue ali "$ALI_SUBJ" p256 signer root
END=20991230235959Z issue tsa "$TSA_SUBJ" p256 tsa root
cp "$K/root.pem" trust.pem
doc
sign "$K/ali.pem" "$K/ali.key" sig.p7s
tstoken sig.p7s "$K/ts.der" tsa "2096-06-01 12:00:00"
add_ts sig.p7s "$K/ts.der"
write_args --trust trust.pem sig.p7s doc.txt
