#!/usr/bin/env bash
# The intermediate's CRL lists the signer (keyCompromise, revoked when the case was made); the
# root's CRL (nothing revoked) is given too.
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
revoke inter "$K/ali.pem" keyCompromise
crl inter inter.crl.pem
crl root root.crl.pem
write_args --trust trust.pem --crl inter.crl.pem --crl root.crl.pem sig.p7s doc.txt
