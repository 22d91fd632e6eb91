#!/usr/bin/env bash
# Root -> signer; the root's CRL (nothing revoked, next update 2049) with --revocation require.
source "$(dirname "$0")/../_tools/lib.sh"
two_level_pki
doc
sign "$K/ali.pem" "$K/ali.key" sig.p7s
crl root crl.pem
write_args --trust trust.pem --crl crl.pem --revocation require sig.p7s doc.txt
