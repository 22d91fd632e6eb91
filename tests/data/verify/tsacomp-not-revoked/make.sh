#!/usr/bin/env bash
# Root (EC) -> signer and TSA. Signed 2020-01-01 10:00, signature timestamp 2020-01-01 10:05 (tsign tsa
# serve + tsign extend under faketime). The TSA is not revoked.
# The root's CRL (now .. 2049) is given with --crl.
source "$(dirname "$0")/../_tools/lib.sh"
two_level_pki
doc
SIGNTIME="2020-01-01 10:00:00" sign "$K/ali.pem" "$K/ali.key" sig.p7s
tsa_serve tsa "2020-01-01 10:05:00"
ft "2020-01-01 10:05:00" "$TSIGN" extend --level t --tsa "$TSA_URL" sig.p7s

crl root crl.pem
write_args --trust trust.pem --crl crl.pem sig.p7s doc.txt
