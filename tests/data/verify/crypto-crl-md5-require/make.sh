#!/usr/bin/env bash
# Root (RSA-2048) -> signer. The root's CRL (signer not revoked) is signed with md5WithRSAEncryption;
# verified with --revocation require.
source "$(dirname "$0")/../_tools/lib.sh"
issue root "$ROOT_SUBJ" rsa2048 root -
issue ali "$ALI_SUBJ" p256 signer root
cp "$K/root.pem" trust.pem
doc
sign "$K/ali.pem" "$K/ali.key" sig.p7s
crl root crl.pem "" "" md5
write_args --trust trust.pem --crl crl.pem --revocation require sig.p7s doc.txt
