#!/usr/bin/env bash
# Control: the required member and one other sign (quorum 2 of 3).
source "$(dirname "$0")/../_tools/lib.sh"
roster_pki
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s -signer "$K/sara.pem" -inkey "$K/sara.key"
cat >roster.yaml <<YAML
commission: 'کمیسیون مناقصه ۱۴۰۵-۱۲ (TEST ONLY)'
quorum: 2
members:
  - name: علی رضایی
    certificate: ali.pem
    required: true
  - name: سارا احمدی
    certificate: sara.pem
  - name: مریم کریمی
    certificate: maryam.pem
YAML
write_args --trust trust.pem --roster roster.yaml sig.p7s doc.txt
