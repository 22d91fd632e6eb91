#!/usr/bin/env bash
# The roster names one person twice: "ali-key" by spki_sha256 of key A and "ali" by subject +
# issuer; quorum 2 of 3. Ali holds two certificates of the same CA, same subject, keys A and B
# (a renewal), and signs twice (tsign cosign). The signer with key A matches both entries.
source "$(dirname "$0")/../_tools/lib.sh"
roster_pki
issue ali2 "$ALI_SUBJ" p256 signer inter
doc
CHAIN="$K/chain.pem" sign "$K/ali.pem" "$K/ali.key" "$K/one.p7s"
"$TSIGN" cosign --signature "$K/one.p7s" --content doc.txt --key "$K/ali2.key" --cert "$K/ali2.pem" --out sig.p7s >/dev/null
rm maryam.pem
cat >roster.yaml <<YAML
commission: 'کمیسیون مناقصه ۱۴۰۵-۱۲ (TEST ONLY)'
quorum: 2
members:
  - name: ali-key
    spki_sha256: $(spki_sha256 ali.pem)
  - name: ali
    subject: "$ALI_RFC"
    issuer: "$INTER_RFC"
  - name: sara
    certificate: sara.pem
YAML
write_args --trust trust.pem --roster roster.yaml sig.p7s doc.txt
