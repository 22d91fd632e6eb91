#!/usr/bin/env bash
# B-T: signed 2018-06-01 10:00 by a signer valid 2015..2020; the signature timestamp (tsign tsa serve
# and tsign extend --level t, both under faketime) has genTime 2018-06-01 10:01, inside the validity.
source "$(dirname "$0")/../_tools/lib.sh"
std_ca
START=20150101000000Z END=20201231235959Z issue ali "$ALI_SUBJ" p256 signer inter
issue tsa "$TSA_SUBJ" p256 tsa inter
doc
SIGNTIME="2018-06-01 10:00:00" CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
tsa_serve tsa "2018-06-01 10:01:00"
ft "2018-06-01 10:01:00" "$TSIGN" extend --level t --tsa "$TSA_URL" sig.p7s
write_args --trust trust.pem sig.p7s doc.txt
