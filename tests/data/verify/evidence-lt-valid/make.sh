#!/usr/bin/env bash
# B-LT made by tsign (sign, extend t / lt), verified offline with --revocation require.
source "$(dirname "$0")/../_tools/lib.sh"
make_lt
write_args --trust trust.pem --revocation require sig.p7s doc.txt
