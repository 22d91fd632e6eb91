#!/usr/bin/env bash
# The member is pinned by the SPKI of key A; a certificate with the same subject from the same CA but
# for another key B signs.
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
issue ali2 "$ALI_SUBJ" p256 signer inter
doc
CHAIN=$K/chain.pem sign "$K/ali2.pem" "$K/ali2.key" sig.p7s
cat >roster.yaml <<YAML
commission: 'کمیسیون مناقصه ۱۴۰۵-۱۲ (TEST ONLY)'
quorum: 1
members:
  - name: علی رضایی
    spki_sha256: $(spki_sha256 "$K/ali.pem")
YAML
write_args --trust trust.pem --roster roster.yaml sig.p7s doc.txt
