#!/usr/bin/env bash
# --revocation require with the intermediate's CRL (signer good) but nothing about the intermediate.
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
crl inter inter.crl.pem
write_args --trust trust.pem --crl inter.crl.pem --revocation require sig.p7s doc.txt
