#!/usr/bin/env bash
# Control: tsign sign --tsa (B-T), everything valid now.
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
issue tsa "$TSA_SUBJ" p256 tsa inter
doc
tsa_serve tsa
"$TSIGN" sign --key "$K/ali.key" --cert "$K/ali.pem" --chain "$K/inter.pem" --tsa "$TSA_URL" --out sig.p7s doc.txt
write_args --trust trust.pem sig.p7s doc.txt
