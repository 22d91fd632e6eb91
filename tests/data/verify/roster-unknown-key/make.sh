#!/usr/bin/env bash
# A valid signature by علی رضایی and a roster that is wrong: an unknown key (quorom, a misspelt quorum: the quorum would silently default to all members)
source "$(dirname "$0")/../_tools/lib.sh"
roster_pki
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
cat >roster.yaml <<YAML
commission: 'کمیسیون مناقصه ۱۴۰۵-۱۲ (TEST ONLY)'
quorom: 1
members:
  - name: علی رضایی
    certificate: ali.pem
  - name: سارا احمدی
    certificate: sara.pem
YAML
write_args --trust trust.pem --roster roster.yaml sig.p7s doc.txt
