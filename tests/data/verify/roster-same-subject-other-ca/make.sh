#!/usr/bin/env bash
# Two trusted hierarchies. The member is علی رضایی of the first intermediate (subject + issuer).
# A certificate with the SAME subject from the second (also trusted) hierarchy signs.
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
issue root2 "/CN=مرکز صدور گواهی ریشه دوم/O=$ORG/C=IR" p256 root -
issue inter2 "/CN=مرکز صدور گواهی میانی دوم/O=$ORG/C=IR" p256 ca root2
issue ali2 "$ALI_SUBJ" p256 signer inter2
cat "$K/root.pem" "$K/root2.pem" >trust.pem
doc
CHAIN=$K/inter2.pem sign "$K/ali2.pem" "$K/ali2.key" sig.p7s
cat >roster.yaml <<YAML
commission: 'کمیسیون مناقصه ۱۴۰۵-۱۲ (TEST ONLY)'
quorum: 1
members:
  - name: علی رضایی
    subject: '$ALI_RFC'
    issuer: '$INTER_RFC'
YAML
write_args --trust trust.pem --roster roster.yaml sig.p7s doc.txt
