#!/usr/bin/env bash
# The roster names CN=علی رضایی, O=ORG, C=IR (three RDNs). The signer's subject has the same
# attributes but CN and O in ONE multi-valued RDN (CN=علی رضایی+O=ORG, C=IR): another name.
source "$(dirname "$0")/../_tools/lib.sh"
std_ca
MULTI=1 issue alimv "/CN=علی رضایی+O=$ORG/C=IR" p256 signer inter
doc
CHAIN=$K/chain.pem sign "$K/alimv.pem" "$K/alimv.key" sig.p7s
cat >roster.yaml <<YAML
commission: 'کمیسیون مناقصه ۱۴۰۵-۱۲ (TEST ONLY)'
quorum: 1
members:
  - name: علی رضایی
    subject: 'CN=علی رضایی, O=$ORG, C=IR'
    issuer: '$INTER_RFC'
YAML
write_args --trust trust.pem --roster roster.yaml sig.p7s doc.txt
