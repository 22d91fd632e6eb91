#!/usr/bin/env bash
# A signer certificate re-issued with raw extensions (_tools/certedit.py via ext_signer, signed
# by the root's key). RFC 5280 §4.2: a certificate MUST NOT include more than one instance of an
# extension; an undecodable extension or an unrecognised critical one makes it unacceptable.
# Here: EKU documentSigning, then a second, critical EKU with timeStamping (a TSA's mark).
source "$(dirname "$0")/../_tools/lib.sh"
issue root "$ROOT_SUBJ" p256 root -
cp "$K/root.pem" trust.pem
doc
ext_signer ali --add $OID_KU:1:$KU_DS_NR --add $OID_EKU:0:$EKU_DS --add $OID_EKU:1:$EKU_TS
sign "$K/ali.pem" "$K/ali.key" sig.p7s
write_args --trust trust.pem sig.p7s doc.txt
