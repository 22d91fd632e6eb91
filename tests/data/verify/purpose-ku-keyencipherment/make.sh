#!/usr/bin/env bash
# Signer certificate extensions: basicConstraints=critical,CA:FALSE;keyUsage=critical,keyEncipherment;extendedKeyUsage=1.3.6.1.5.5.7.3.36;subjectKeyIdentifier=hash;authorityKeyIdentifier=keyid
source "$(dirname "$0")/../_tools/lib.sh"
std_ca
EXT='basicConstraints=critical,CA:FALSE
keyUsage=critical,keyEncipherment
extendedKeyUsage=1.3.6.1.5.5.7.3.36
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid' issue ali "$ALI_SUBJ" rsa2048 signer inter
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
write_args --trust trust.pem sig.p7s doc.txt
