#!/usr/bin/env bash
# Roster member pinned by public key (spki_sha256 of the signer's SubjectPublicKeyInfo).
source "$(dirname "$0")/../_tools/lib.sh"
roster_pki
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
cat >roster.yaml <<YAML
commission: 'کمیسیون مناقصه ۱۴۰۵-۱۲ (TEST ONLY)'
quorum: 1
members:
  - name: علی رضایی
    spki_sha256: $(spki_sha256 "$K/ali.pem")
YAML
rm -f ali.pem sara.pem maryam.pem
write_args --trust trust.pem --roster roster.yaml sig.p7s doc.txt
