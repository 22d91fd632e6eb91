#!/usr/bin/env bash
# A degenerate SignedData (certificates only, no SignerInfo; RFC 5652 §5.1): it signs nothing.
# tsign extend --level t, in place (a TSA URL where nothing listens: it must not be asked).
source "$(dirname "$0")/../_tools/lib.sh"
two_level_pki
doc
crl root crl.pem
openssl crl2pkcs7 -nocrl -certfile "$K/ali.pem" -outform DER -out sig.p7s
write_command extend --level t --tsa http://127.0.0.1:9/ sig.p7s
