#!/usr/bin/env bash
# The signer certificate is valid from 2021-01-01; the signature (claimed 2020-06-01 10:00) has a
# signature timestamp of 2020-06-01 10:01, before the certificate's notBefore.
source "$(dirname "$0")/../_tools/lib.sh"
std_ca
START=20210101000000Z issue ali "$ALI_SUBJ" p256 signer inter
issue tsa "$TSA_SUBJ" p256 tsa inter
doc
SIGNTIME="2020-06-01 10:00:00" CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
tsa_serve tsa "2020-06-01 10:01:00"
ft "2020-06-01 10:01:00" "$TSIGN" extend --level t --tsa "$TSA_URL" sig.p7s
write_args --trust trust.pem sig.p7s doc.txt
