#!/usr/bin/env bash
# B-B by a signer whose certificate was valid 2015..2020; the signer claims signing-time 2018-06-01
# (openssl run under faketime). No proof of existence: validated now, so the certificate is expired.
source "$(dirname "$0")/../_tools/lib.sh"
std_ca
START=20150101000000Z END=20201231235959Z issue ali "$ALI_SUBJ" p256 signer inter
doc
SIGNTIME="2018-06-01 10:00:00" CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
write_args --trust trust.pem sig.p7s doc.txt
