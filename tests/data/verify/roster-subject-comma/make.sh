#!/usr/bin/env bash
# Roster member by subject + issuer in the comma form tsign prints (RFC 4514).
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
cat >roster.yaml <<YAML
commission: 'کمیسیون مناقصه ۱۴۰۵-۱۲ (TEST ONLY)'
quorum: 1
members:
  - name: علی رضایی
    subject: '$ALI_RFC'
    issuer: '$INTER_RFC'
YAML
write_args --trust trust.pem --roster roster.yaml sig.p7s doc.txt
