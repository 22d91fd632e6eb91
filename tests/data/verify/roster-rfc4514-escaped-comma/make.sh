#!/usr/bin/env bash
# The roster names the certificate whose O is "ORG, CN=علی رضایی" in RFC 4514 with the comma escaped
# (\,): the roster reader must parse the escape, and that certificate is then the member.
source "$(dirname "$0")/../_tools/lib.sh"
std_ca
issue spoof "/O=$ORG\, CN=علی رضایی/C=IR" p256 signer inter
doc
CHAIN=$K/chain.pem sign "$K/spoof.pem" "$K/spoof.key" sig.p7s
cat >roster.yaml <<YAML
commission: 'کمیسیون مناقصه ۱۴۰۵-۱۲ (TEST ONLY)'
quorum: 1
members:
  - name: عضو با نام ویرگول‌دار
    subject: 'O=$ORG\, CN=علی رضایی, C=IR'
    issuer: '$INTER_RFC'
YAML
write_args --trust trust.pem --roster roster.yaml sig.p7s doc.txt
