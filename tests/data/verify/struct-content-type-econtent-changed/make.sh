#!/usr/bin/env bash
# Detached signature; encapContentInfo.eContentType changed from id-data to id-ct-TSTInfo (it is not
# signed), while the signed content-type attribute still says id-data.
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
$CMS set-econtent-type sig.p7s 1.2.840.113549.1.9.16.1.4 "$K/x.p7s"
mv "$K/x.p7s" sig.p7s
write_args --trust trust.pem sig.p7s doc.txt
