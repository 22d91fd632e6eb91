#!/usr/bin/env bash
# A detached signature WITHOUT signed attributes (its signature value covers the document itself)
# whose signature value is forged (one byte flipped), with a valid signature timestamp of a trusted
# TSA over the forged value.
# tsign extend --level lt in place, without --content.
source "$(dirname "$0")/../_tools/lib.sh"
two_level_pki
doc
crl root crl.pem
openssl cms -sign -binary -noattr -md sha256 -outform DER -signer "$K/ali.pem" -inkey "$K/ali.key" -in doc.txt -out "$K/good.p7s"
$CMS flip-signature "$K/good.p7s" sig.p7s
tstoken sig.p7s "$K/ts.der" tsa
add_ts sig.p7s "$K/ts.der"
write_command extend --level lt --trust trust.pem --crl crl.pem sig.p7s
