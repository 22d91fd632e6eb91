#!/usr/bin/env bash
# The expired signer, validated with --at 2022-01-01 (after the certificate expired).
source "$(dirname "$0")/../_tools/lib.sh"
std_ca
START=20150101000000Z END=20201231235959Z issue ali "$ALI_SUBJ" p256 signer inter
doc
SIGNTIME="2018-06-01 10:00:00" CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
write_args --trust trust.pem --at 2022-01-01 sig.p7s doc.txt
