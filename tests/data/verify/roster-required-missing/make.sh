#!/usr/bin/env bash
# Three members, quorum 2, علی رضایی (legal) required. سارا and مریم sign; the required member does not.
source "$(dirname "$0")/../_tools/lib.sh"
roster_pki
doc
CHAIN=$K/chain.pem sign "$K/sara.pem" "$K/sara.key" sig.p7s -signer "$K/maryam.pem" -inkey "$K/maryam.key"
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
