#!/usr/bin/env bash
# The root's CRL lists the intermediate (keyCompromise); the intermediate's CRL (signer not revoked)
# is given too.
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
revoke root "$K/inter.pem" keyCompromise
crl root root.crl.pem
crl inter inter.crl.pem
write_args --trust trust.pem --crl inter.crl.pem --crl root.crl.pem sig.p7s doc.txt
