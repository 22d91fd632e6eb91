#!/usr/bin/env bash
# The member is pinned by certificate (ali.pem). A second certificate for the SAME key, subject and
# issuer (another serial number) signs: an exact-certificate pin does not match it.
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
cp "$K/ali.key" "$K/ali2.key"
issue ali2 "$ALI_SUBJ" p256 signer inter
cp "$K/ali.pem" ali.pem
doc
CHAIN=$K/chain.pem sign "$K/ali2.pem" "$K/ali2.key" sig.p7s
cat >roster.yaml <<YAML
commission: 'کمیسیون مناقصه ۱۴۰۵-۱۲ (TEST ONLY)'
quorum: 1
members:
  - name: علی رضایی
    certificate: ali.pem
YAML
write_args --trust trust.pem --roster roster.yaml sig.p7s doc.txt
