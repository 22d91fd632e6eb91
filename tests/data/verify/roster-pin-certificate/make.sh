#!/usr/bin/env bash
# Roster member pinned by certificate (certificate: ali.pem); that certificate signs.
source "$(dirname "$0")/../_tools/lib.sh"
roster_pki
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
cat >roster.yaml <<YAML
commission: 'کمیسیون مناقصه ۱۴۰۵-۱۲ (TEST ONLY)'
quorum: 1
members:
  - name: علی رضایی
    certificate: ali.pem
  - name: سارا احمدی
    certificate: sara.pem
YAML
write_args --trust trust.pem --roster roster.yaml sig.p7s doc.txt
