#!/usr/bin/env bash
# A PEM file holding two CMS blocks: a valid signature over doc.txt, then a signature of the same
# signer over another document. Which one would be verified?
source "$(dirname "$0")/../_tools/lib.sh"
two_level_pki
doc
sign "$K/ali.pem" "$K/ali.key" sig.p7s
printf 'another document (TEST ONLY)\n' >"$K/other.txt"
DOC=$K/other.txt sign "$K/ali.pem" "$K/ali.key" "$K/other.p7s"
{ openssl cms -cmsout -inform DER -in sig.p7s -outform PEM; openssl cms -cmsout -inform DER -in "$K/other.p7s" -outform PEM; } >sig.pem
rm sig.p7s
write_args --trust trust.pem sig.pem doc.txt
