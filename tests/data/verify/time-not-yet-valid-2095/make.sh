#!/usr/bin/env bash
# A signer certificate valid only from 2095; the signer claims signing-time 2095-06-01 (faketime).
source "$(dirname "$0")/../_tools/lib.sh"
std_ca
START=20950101000000Z END=20991231235959Z issue ali "$ALI_SUBJ" p256 signer inter
doc
SIGNTIME="2095-06-01 10:00:00" CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
write_args --trust trust.pem sig.p7s doc.txt
