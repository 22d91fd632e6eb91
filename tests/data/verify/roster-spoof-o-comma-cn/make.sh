#!/usr/bin/env bash
# The member is /O=ORG/CN=علی رضایی/C=IR (named in the roster by subject + issuer, comma form).
# Another certificate from the SAME intermediate has O = "ORG, CN=علی رضایی" and no CN: printed
# without escaping it reads exactly like the member. It signs; the member does not.
source "$(dirname "$0")/../_tools/lib.sh"
std_ca
issue spoof "/O=$ORG\, CN=علی رضایی/C=IR" p256 signer inter
doc
CHAIN=$K/chain.pem sign "$K/spoof.pem" "$K/spoof.key" sig.p7s
cat >roster.yaml <<YAML
commission: 'کمیسیون مناقصه ۱۴۰۵-۱۲ (TEST ONLY)'
quorum: 1
members:
  - name: علی رضایی
    subject: 'O=$ORG, CN=علی رضایی, C=IR'
    issuer: '$INTER_RFC'
YAML
write_args --trust trust.pem --roster roster.yaml sig.p7s doc.txt
