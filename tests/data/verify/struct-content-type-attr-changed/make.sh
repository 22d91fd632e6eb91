#!/usr/bin/env bash
# The signed content-type attribute is set to id-signedData (eContentType stays id-data); the signed
# attributes are signed again with the signer's key, so the signature value is valid.
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
$CMS resign sig.p7s "$K/x.p7s" --key "$K/ali.key" --content-type 1.2.840.113549.1.7.2
mv "$K/x.p7s" sig.p7s
write_args --trust trust.pem sig.p7s doc.txt
