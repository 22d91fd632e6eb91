#!/usr/bin/env bash
# The intermediate CA was valid 2010..2020 (the signer 2010..2049); B-B with a claimed signing-time
# of 2018 inside the intermediate's validity. Validated now: the intermediate has expired.
source "$(dirname "$0")/../_tools/lib.sh"
issue root "$ROOT_SUBJ" p256 root -
START=20100101000000Z END=20201231235959Z issue inter "$INTER_SUBJ" p256 ca root
START=20100101000000Z issue ali "$ALI_SUBJ" p256 signer inter
cp "$K/root.pem" trust.pem
doc
SIGNTIME="2018-06-01 10:00:00" CHAIN=$K/inter.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
write_args --trust trust.pem sig.p7s doc.txt
