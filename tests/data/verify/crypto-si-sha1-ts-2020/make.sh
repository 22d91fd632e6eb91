#!/usr/bin/env bash
# As crypto-si-sha1-ts-2009, but signed and timestamped in 2020.
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
issue tsa "$TSA_SUBJ" p256 tsa inter
doc
SIGNTIME="2020-06-01 10:00:00" DIGEST=sha1 CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
tsa_serve tsa "2020-06-01 10:05:00"
ft "2020-06-01 10:05:00" "$TSIGN" extend --level t --tsa "$TSA_URL" --content doc.txt sig.p7s
write_args --trust trust.pem sig.p7s doc.txt
