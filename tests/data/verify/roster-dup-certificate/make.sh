#!/usr/bin/env bash
# A valid signature by علی رضایی and a roster that is wrong: the same certificate listed twice under two names (one person counted twice)
source "$(dirname "$0")/../_tools/lib.sh"
roster_pki
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
cat >roster.yaml <<YAML
commission: 'کمیسیون مناقصه ۱۴۰۵-۱۲ (TEST ONLY)'
quorum: 2
members:
  - name: علی رضایی
    certificate: ali.pem
  - name: علی رضایی (دوباره)
    certificate: ali.pem
YAML
write_args --trust trust.pem --roster roster.yaml sig.p7s doc.txt
