#!/usr/bin/env bash
# SignerInfo digest SHA-1, signed 2009-06-01 10:00 (faketime); signature timestamp 2009-06-01 10:05
# from tsign tsa serve under faketime (TSA EC P-256, SHA-256). Certificates valid 2005..2049.
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
issue tsa "$TSA_SUBJ" p256 tsa inter
doc
SIGNTIME="2009-06-01 10:00:00" DIGEST=sha1 CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s
tsa_serve tsa "2009-06-01 10:05:00"
ft "2009-06-01 10:05:00" "$TSIGN" extend --level t --tsa "$TSA_URL" --content doc.txt sig.p7s
write_args --trust trust.pem sig.p7s doc.txt
