#!/usr/bin/env bash
# Root (EC) -> signer (valid 2005-01-01 .. 2020-06-01, expired) and TSA. Signed 2020-04-30 23:00;
# the signature timestamp (openssl ts -reply under faketime) has genTime 2020-05-01 00:00 and
# accuracy one year (secs:31536000). RFC 3161 §2.4.2: the time is genTime +/- accuracy, so the token
# proves existence only before genTime + accuracy (2021-05-01, after the signer certificate
# expired).
# Second hostile review: validating at the genTime as if it were exact accepted it. EN 319 102-1
# §5.6.2 can only use a proven time: the upper bound.
source "$(dirname "$0")/../_tools/lib.sh"
issue root "$ROOT_SUBJ" p256 root -
END=20200601000000Z issue ali "$ALI_SUBJ" p256 signer root
issue tsa "$TSA_SUBJ" p256 tsa root
cp "$K/root.pem" trust.pem
doc
SIGNTIME="2020-04-30 23:00:00" sign "$K/ali.pem" "$K/ali.key" sig.p7s
TS_ACCURACY=secs:31536000 tstoken sig.p7s "$K/tok.der" tsa "2020-05-01 00:00:00"
add_ts sig.p7s "$K/tok.der"
write_args --trust trust.pem sig.p7s doc.txt
