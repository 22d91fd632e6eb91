#!/usr/bin/env bash
# Signer certificate extensions: basicConstraints=critical,CA:FALSE;keyUsage=critical,digitalSignature,nonRepudiation;subjectKeyIdentifier=hash;authorityKeyIdentifier=keyid;extendedKeyUsage=clientAuth
source "$(dirname "$0")/../_tools/lib.sh"
std_ca
EXT='basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,nonRepudiation
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
extendedKeyUsage=clientAuth' issue ali "$ALI_SUBJ" p256 signer inter
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
cat >policy.yaml <<YAML
name: corpus-clientauth-signers
digests: {sha256: null, sha384: null, sha512: null, sha1: 2009-12-31}
public_keys:
  - {type: rsa, min_bits: 2048}
  - {type: ec, min_bits: 256}
signer_ekus: [1.3.6.1.5.5.7.3.36, 1.3.6.1.5.5.7.3.4, 2.5.29.37.0, 1.3.6.1.5.5.7.3.2]
revocation: {required: false}
YAML
write_args --trust trust.pem --validation-policy policy.yaml sig.p7s doc.txt
