#!/usr/bin/env bash
# A degenerate SignedData (certificates only, no SignerInfo; RFC 5652 §5.1): it signs nothing.
source "$(dirname "$0")/../_tools/lib.sh"
two_level_pki
doc
crl root crl.pem
openssl crl2pkcs7 -nocrl -certfile "$K/ali.pem" -outform DER -out sig.p7s
write_args --trust trust.pem --crl crl.pem sig.p7s doc.txt
