#!/usr/bin/env bash
# A valid signature verified with a validation policy (policy.yaml) that lists the key sha256 twice (null, then 2000-01-01).
source "$(dirname "$0")/../_tools/lib.sh"
two_level_pki
doc
sign "$K/ali.pem" "$K/ali.key" sig.p7s
cat >policy.yaml <<'YAML'
name: corpus-test
digests:
  sha256: null
  sha256: 2000-01-01
  sha384: null
  sha512: null
  sha1: 2009-12-31
public_keys:
  - {type: ec, min_bits: 256}
  - {type: rsa, min_bits: 2048}
signer_ekus:
  - 1.3.6.1.5.5.7.3.36
revocation:
  required: false
  max_age: null
YAML
write_args --trust trust.pem --validation-policy policy.yaml sig.p7s doc.txt
