#!/usr/bin/env bash
# Root -> signer; the only CRL ran 2019-01-01 .. 2020-01-01 (nextUpdate long past); --revocation require.
source "$(dirname "$0")/../_tools/lib.sh"
two_level_pki
doc
sign "$K/ali.pem" "$K/ali.key" sig.p7s
crl root crl.pem 20190101000000Z 20200101000000Z
write_args --trust trust.pem --crl crl.pem --revocation require sig.p7s doc.txt
