#!/usr/bin/env bash
# Root -> signer and TSA. The signer's certificate is revoked (keyCompromise) on 2019-06-01; the
# signature claims 2020-01-01 10:00 and its timestamp says 2020-01-01 10:05. The root's CRL is given.
source "$(dirname "$0")/../_tools/lib.sh"
two_level_pki
doc
SIGNTIME="2020-01-01 10:00:00" sign "$K/ali.pem" "$K/ali.key" sig.p7s
tsa_serve tsa "2020-01-01 10:05:00"
ft "2020-01-01 10:05:00" "$TSIGN" extend --level t --tsa "$TSA_URL" sig.p7s
revoke root "$K/ali.pem" keyCompromise "2019-06-01 00:00:00"
crl root crl.pem
write_args --trust trust.pem --crl crl.pem sig.p7s doc.txt
