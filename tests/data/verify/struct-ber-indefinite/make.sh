#!/usr/bin/env bash
# A valid detached signature whose outer ContentInfo SEQUENCE and its [0] EXPLICIT wrapper are
# re-encoded with BER indefinite lengths (legal CMS: BER is allowed outside the signed attributes).
source "$(dirname "$0")/../_tools/lib.sh"
two_level_pki
doc
sign "$K/ali.pem" "$K/ali.key" sig.p7s
$PY - sig.p7s "$K/ber.p7s" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
def hdr(b, i):
    l = b[i + 1]
    if l < 0x80: return 2, l
    n = l & 0x7F; return 2 + n, int.from_bytes(b[i + 2:i + 2 + n], "big")
h, l = hdr(d, 0); body = d[h:h + l]                      # ContentInfo: OID, [0] { SignedData }
oh, ol = hdr(body, 0); oid = body[:oh + ol]; rest = body[oh + ol:]
th, tl = hdr(rest, 0); inner = rest[th:th + tl]
open(sys.argv[2], "wb").write(b"\x30\x80" + oid + b"\xa0\x80" + inner + b"\x00\x00" + b"\x00\x00")
PY
mv "$K/ber.p7s" sig.p7s
write_args --trust trust.pem sig.p7s doc.txt
