#!/usr/bin/env bash
# The signer claims signing-time 2020-03-01 12:30; the signature timestamp says 2020-03-01 12:00,
# 30 minutes BEFORE the claimed signing time. Certificates valid 2005..2049.
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
issue tsa "$TSA_SUBJ" p256 tsa inter
doc
SIGNTIME="2020-03-01 12:30:00" CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
tsa_serve tsa "2020-03-01 12:00:00"
ft "2020-03-01 12:00:00" "$TSIGN" extend --level t --tsa "$TSA_URL" sig.p7s
write_args --trust trust.pem sig.p7s doc.txt
