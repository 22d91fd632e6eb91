#!/usr/bin/env bash
# A detached CAdES signature built by _tools/sdbuild.py (Ed25519 signer, RFC 8419; tsign verifies it
# with its own code, not with OpenSSL's CMS_SignerInfo_verify) with one signing-time attribute with
# two values, now and 1999-01-01 (RFC 5652 §11.3: exactly one AttributeValue).
# Second hostile review: the Ed25519 path skipped the attribute rules OpenSSL applies to the other
# signers (CMS_si_check_attributes); they must apply to every signer, whatever its algorithm.
source "$(dirname "$0")/../_tools/lib.sh"
std_ca
issue ali "$ALI_SUBJ" ed25519 signer inter
doc
UT="170d$(date -u +%y%m%d%H%M%SZ | tr -d '\n' | xxd -p | tr -d '\n')"   # a UTCTime (13 bytes), now
$SDBUILD doc.txt sig.p7s --cert "$K/ali.pem" --key "$K/ali.key" --chain "$K/inter.pem" --digest sha512 --sigalg ed25519 \
  --st-raw "311e${UT}170d$(printf 990101000000Z | xxd -p)"
write_args --trust trust.pem sig.p7s doc.txt
