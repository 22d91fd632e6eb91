#!/usr/bin/env bash
# Control: the intermediate is not embedded but given with --untrusted untrusted.pem.
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
cp "$K/inter.pem" untrusted.pem
doc
sign "$K/ali.pem" "$K/ali.key" sig.p7s
write_args --trust trust.pem --untrusted untrusted.pem sig.p7s doc.txt
