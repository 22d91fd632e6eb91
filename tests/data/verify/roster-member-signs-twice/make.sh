#!/usr/bin/env bash
# Members علی and سارا, quorum 2. علی signs, then co-signs the same document again (tsign cosign
# --force): two valid SignerInfos, one person.
source "$(dirname "$0")/../_tools/lib.sh"
roster_pki
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
"$TSIGN" cosign --signature sig.p7s --content doc.txt --key "$K/ali.key" --cert "$K/ali.pem" --force --out "$K/two.p7s"
mv "$K/two.p7s" sig.p7s
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
