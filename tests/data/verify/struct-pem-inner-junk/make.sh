#!/usr/bin/env bash
# PEM whose base64 holds a valid DER signature followed by 16 junk bytes (struct-trailing-bytes
# inside PEM).
source "$(dirname "$0")/../_tools/lib.sh"
two_level_pki
doc
sign "$K/ali.pem" "$K/ali.key" sig.p7s
{ echo "-----BEGIN CMS-----"; { cat sig.p7s; printf 'JUNKJUNKJUNKJUNK'; } | base64 -w64; echo "-----END CMS-----"; } >sig.pem
rm sig.p7s
write_args --trust trust.pem sig.pem doc.txt
