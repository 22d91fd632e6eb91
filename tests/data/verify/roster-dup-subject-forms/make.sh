#!/usr/bin/env bash
# A valid signature by علی رضایی and a roster that is wrong: the same subject + issuer twice, once in slash form and once in comma form (the same names structurally)
source "$(dirname "$0")/../_tools/lib.sh"
roster_pki
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
cat >roster.yaml <<YAML
commission: 'کمیسیون مناقصه ۱۴۰۵-۱۲ (TEST ONLY)'
quorum: 2
members:
  - name: علی رضایی
    subject: '$ALI_SUBJ'
    issuer: '$INTER_SUBJ'
  - name: علی رضایی (نام دوم)
    subject: '$ALI_RFC'
    issuer: '$INTER_RFC'
YAML
write_args --trust trust.pem --roster roster.yaml sig.p7s doc.txt
