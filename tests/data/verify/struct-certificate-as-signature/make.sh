#!/usr/bin/env bash
# A DER certificate given where the signature belongs.
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
doc
openssl x509 -in "$K/ali.pem" -outform DER -out sig.p7s
write_args --trust trust.pem sig.p7s doc.txt
