#!/usr/bin/env bash
# Members علی and سارا (quorum 2) both sign, and مریم, who is not in the roster, signs too.
source "$(dirname "$0")/../_tools/lib.sh"
roster_pki
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s -signer "$K/sara.pem" -inkey "$K/sara.key" -signer "$K/maryam.pem" -inkey "$K/maryam.key"
rm -f maryam.pem
cat >roster.yaml <<YAML
commission: 'کمیسیون مناقصه ۱۴۰۵-۱۲ (TEST ONLY)'
quorum: 2
members:
  - name: علی رضایی
    certificate: ali.pem
  - name: سارا احمدی
    certificate: sara.pem
YAML
write_args --trust trust.pem --roster roster.yaml sig.p7s doc.txt
