#!/usr/bin/env bash
# A valid ECDSA signature (built by _tools/sdbuild.py) with an unsigned countersignature attribute
# whose value is garbage (SEQUENCE { INTEGER 10 }, not a SignerInfo).
# Unsigned attributes are outside the signature; tsign does not validate countersignatures (RFC 5652
# §11.4), so the signer stays valid, but the report must say that a countersignature is present and
# not validated (second hostile review: it was silently ignored).
source "$(dirname "$0")/../_tools/lib.sh"
std_ca
issue ali "$ALI_SUBJ" p256 signer inter
doc
$SDBUILD doc.txt sig.p7s --cert "$K/ali.pem" --key "$K/ali.key" --chain "$K/inter.pem" --digest sha256 --sigalg ecdsa \
  --unsigned "1.2.840.113549.1.9.6=3105300302010a"
write_args --trust trust.pem sig.p7s doc.txt
