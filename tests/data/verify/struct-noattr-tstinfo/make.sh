#!/usr/bin/env bash
# An attached signature WITHOUT signed attributes whose eContentType is id-ct-TSTInfo. RFC 5652 §5.3:
# signedAttrs MUST be present if the content type is not id-data.
source "$(dirname "$0")/../_tools/lib.sh"
two_level_pki
doc
openssl cms -sign -binary -noattr -nodetach -md sha256 -econtent_type 1.2.840.113549.1.9.16.1.4 -outform DER \
  -signer "$K/ali.pem" -inkey "$K/ali.key" -in doc.txt -out sig.p7s
write_args --trust trust.pem sig.p7s
