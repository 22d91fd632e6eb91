#!/usr/bin/env bash
# The TSA (EC P-256) signed the token itself with SHA-1 (openssl ts signer_digest sha1); imprint SHA-256.
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
issue tsa "$TSA_SUBJ" p256 tsa inter
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
TSA_DIGEST=sha1 TSA_CHAIN=$K/inter.pem tstoken sig.p7s "$K/tok.der" tsa
add_ts sig.p7s "$K/tok.der"
write_args --trust trust.pem sig.p7s doc.txt
