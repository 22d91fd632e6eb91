#!/usr/bin/env bash
# B-LTA from which the revocation-values attribute (covered by the archive timestamp's
# ats-hash-index-v3) has been removed. The CRL is still given with --crl.
source "$(dirname "$0")/../_tools/lib.sh"
make_lta
$CMS drop-unsigned sig.p7s "$K/bad.p7s" "$OID_REVVALUES"
mv "$K/bad.p7s" sig.p7s
write_args --trust trust.pem --crl crl.pem sig.p7s doc.txt
