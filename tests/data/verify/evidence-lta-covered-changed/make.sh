#!/usr/bin/env bash
# B-LTA whose revocation-values attribute (covered by the archive timestamp) now holds another,
# equally valid CRL of the same root (issued after the archive timestamp).
source "$(dirname "$0")/../_tools/lib.sh"
make_lta
sleep 1
crl root "$K/crl2.pem"
openssl crl -in "$K/crl2.pem" -outform DER -out "$K/crl2.der"
$CMS replace-revvalues-crl sig.p7s "$K/bad.p7s" "$K/crl2.der"
mv "$K/bad.p7s" sig.p7s
write_args --trust trust.pem --crl crl.pem sig.p7s doc.txt
