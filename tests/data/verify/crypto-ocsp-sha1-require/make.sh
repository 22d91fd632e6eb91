#!/usr/bin/env bash
# Root (EC) -> signer. An OCSP response (good), signed by the root itself with ecdsa-with-SHA1;
# verified with --revocation require.
source "$(dirname "$0")/../_tools/lib.sh"
issue root "$ROOT_SUBJ" p256 root -
issue ali "$ALI_SUBJ" p256 signer root
cp "$K/root.pem" trust.pem
doc
sign "$K/ali.pem" "$K/ali.key" sig.p7s
ocsp root "$K/ali.pem" ocsp.der sha1
write_args --trust trust.pem --ocsp-response ocsp.der --revocation require sig.p7s doc.txt
