#!/usr/bin/env bash
# Control: an attached signature (the document inside), verified without a separate document.
source "$(dirname "$0")/../_tools/lib.sh"
std_pki
doc
CHAIN=$K/chain.pem sign "$K/ali.pem" "$K/ali.key" sig.p7s -nodetach
rm doc.txt
write_args --trust trust.pem sig.p7s
