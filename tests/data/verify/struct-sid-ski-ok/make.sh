#!/usr/bin/env bash
# Control for struct-sid-ski-shadowed: an ECDSA signer identified by subjectKeyIdentifier, built by
# _tools/sdbuild.py.
source "$(dirname "$0")/../_tools/lib.sh"
std_ca
issue ali "$ALI_SUBJ" p256 signer inter
doc
$SDBUILD doc.txt sig.p7s --cert "$K/ali.pem" --key "$K/ali.key" --chain "$K/inter.pem" --digest sha256 --sigalg ecdsa --sid ski
write_args --trust trust.pem sig.p7s doc.txt
