#!/usr/bin/env bash
# B-LTA made by tsign (sign, extend t / lt / lta; the root's CRL given to extend, nothing fetched),
# verified offline with --revocation require from the embedded values alone.
source "$(dirname "$0")/../_tools/lib.sh"
make_lta
write_args --trust trust.pem --revocation require sig.p7s doc.txt
