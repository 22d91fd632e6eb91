#!/usr/bin/env bash
# A valid ECDSA signature (built by _tools/sdbuild.py) with an unsigned countersignature that does
# not verify (a SignerInfo copied from another signature).
# Unsigned attributes are outside the signature; tsign does not validate countersignatures (RFC 5652
# §11.4), so the signer stays valid, but the report must say that a countersignature is present and
# not validated (second hostile review: it was silently ignored).
source "$(dirname "$0")/../_tools/lib.sh"
std_ca
issue ali "$ALI_SUBJ" p256 signer inter
doc
# a SignerInfo taken from another signature of the same document: as a countersignature its
# message-digest does not match this signature's value
$SDBUILD doc.txt "$K/other.p7s" --cert "$K/ali.pem" --key "$K/ali.key" --chain "$K/inter.pem" --digest sha256 --sigalg ecdsa
SI=$($PY -c "from asn1crypto import cms; import sys; print(cms.ContentInfo.load(open(sys.argv[1], 'rb').read())['content']['signer_infos'][0].dump().hex())" "$K/other.p7s")
LEN=$((${#SI} / 2))
$SDBUILD doc.txt sig.p7s --cert "$K/ali.pem" --key "$K/ali.key" --chain "$K/inter.pem" --digest sha256 --sigalg ecdsa \
  --unsigned "1.2.840.113549.1.9.6=3182$(printf %04x "$LEN")$SI"
write_args --trust trust.pem sig.p7s doc.txt
