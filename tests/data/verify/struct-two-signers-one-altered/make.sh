#!/usr/bin/env bash
# Two signers (علی, سارا); the second one's signature value is altered.
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
issue sara "$SARA_SUBJ" p256 signer inter
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s -signer "$K/sara.pem" -inkey "$K/sara.key"
$CMS flip-signature sig.p7s "$K/x.p7s" --idx 1
mv "$K/x.p7s" sig.p7s
write_args --trust trust.pem sig.p7s doc.txt
