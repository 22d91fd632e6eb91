#!/usr/bin/env bash
# A detached CAdES signature built by _tools/sdbuild.py (ECDSA P-256 signer (OpenSSL's CMS path))
# with a content-type attribute also among the UNSIGNED attributes (RFC 5652 §11.1: it MUST be a
# signed attribute).
# Second hostile review: the Ed25519 path skipped the attribute rules OpenSSL applies to the other
# signers (CMS_si_check_attributes); they must apply to every signer, whatever its algorithm.
source "$(dirname "$0")/../_tools/lib.sh"
std_ca
issue ali "$ALI_SUBJ" p256 signer inter
doc
$SDBUILD doc.txt sig.p7s --cert "$K/ali.pem" --key "$K/ali.key" --chain "$K/inter.pem" --digest sha256 --sigalg ecdsa \
  --unsigned "1.2.840.113549.1.9.3=310b06092a864886f70d010701"
write_args --trust trust.pem sig.p7s doc.txt
