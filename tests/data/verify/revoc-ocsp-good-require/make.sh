#!/usr/bin/env bash
# Root -> signer; an OCSP response (good, signed by the root, next update ~2049) with --revocation require.
source "$(dirname "$0")/../_tools/lib.sh"
two_level_pki
doc
sign "$K/ali.pem" "$K/ali.key" sig.p7s
ocsp root "$K/ali.pem" ocsp.der
write_args --trust trust.pem --ocsp-response ocsp.der --revocation require sig.p7s doc.txt
