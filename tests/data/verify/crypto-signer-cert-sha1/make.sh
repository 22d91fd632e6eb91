#!/usr/bin/env bash
# The intermediate (EC) signed the signer's certificate with ecdsa-with-SHA1.
source "$(dirname "$0")/../_tools/lib.sh"
std_ca
MD=sha1 issue ali "$ALI_SUBJ" p256 signer inter
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
write_args --trust trust.pem sig.p7s doc.txt
