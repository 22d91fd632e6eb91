#!/usr/bin/env python3
"""Writes a PDF of PAGES pages whose content streams add up to about MIB mebibytes (uncompressed
text drawing), with a classic cross-reference table: a large, plain input for bench/run_pades.sh.
Usage: make_pdf.py OUT PAGES MIB"""
import sys

out, pages, mib = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
per_page = int(mib * 1024 * 1024 / pages)
objs = []  # bodies, object n = index + 1
objs.append(b"<< /Type /Catalog /Pages 2 0 R >>")
objs.append(None)  # pages, filled below
objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
kids = []
for p in range(pages):
    line = b"BT /F1 6 Tf 20 %d Td (voucher %d line of text for the benchmark 0123456789) Tj ET\n"
    content = bytearray()
    y = 800
    while len(content) < per_page:
        content += line % (y, p + 1)
        y = 800 if y < 30 else y - 7
    objs.append(b"<< /Length %d >>\nstream\n" % len(content) + bytes(content) + b"\nendstream")
    content_num = len(objs)
    objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % content_num)
    kids.append(len(objs))
objs[1] = b"<< /Type /Pages /Count %d /Kids [%s] >>" % (pages, b" ".join(b"%d 0 R" % k for k in kids))
with open(out, "wb") as f:
    f.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs):
        offsets.append(f.tell())
        f.write(b"%d 0 obj\n" % (i + 1) + body + b"\nendobj\n")
    xref = f.tell()
    f.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for o in offsets:
        f.write(b"%010d 00000 n \n" % o)
    f.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref))
