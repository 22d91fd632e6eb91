#!/usr/bin/env bash
# Root -> signer; the root's CRL has thisUpdate 2020-01-01 (next update 2049). The validation policy
# (policy.yaml) allows revocation data at most 1h older than the validation time, and requires it.
source "$(dirname "$0")/../_tools/lib.sh"
two_level_pki
doc
sign "$K/ali.pem" "$K/ali.key" sig.p7s
crl root crl.pem 20200101000000Z
cat >policy.yaml <<YAML
name: corpus-fresh-revocation
digests: {sha256: null, sha384: null, sha512: null, sha1: 2009-12-31}
public_keys:
  - {type: rsa, min_bits: 2048}
  - {type: ec, min_bits: 256}
signer_ekus: [1.3.6.1.5.5.7.3.36, 1.3.6.1.5.5.7.3.4, 2.5.29.37.0]
revocation: {required: true, max_age: 1h}
YAML
write_args --trust trust.pem --crl crl.pem --revocation require --validation-policy policy.yaml sig.p7s doc.txt
