#!/usr/bin/env bash
# Root -> signer; an OCSP response saying revoked (keyCompromise, revoked when the case was made).
source "$(dirname "$0")/../_tools/lib.sh"
two_level_pki
doc
sign "$K/ali.pem" "$K/ali.key" sig.p7s
revoke root "$K/ali.pem" keyCompromise
ocsp root "$K/ali.pem" ocsp.der
write_args --trust trust.pem --ocsp-response ocsp.der sig.p7s doc.txt
