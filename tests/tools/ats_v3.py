#!/usr/bin/env python3
"""Independent archive-time-stamp-v3 check (ETSI EN 319 122-1 §5.5.3), Python standard library only.

usage: ats_v3.py SIGNATURE.p7s CONTENT SIGNER_INDEX ATS_INDEX OUT_TOKEN.der
Writes the archive timestamp token, checks that every hash of its ats-hash-index-v3 is found
among the signature's current certificates, CRLs and unsigned attribute values, and prints the
SHA-256 message imprint the token must carry, for `openssl ts -verify -digest`."""
import hashlib
import sys

ATS_V3 = bytes.fromhex("060604008d450204")          # 0.4.0.1733.2.4
ATS_HASH_INDEX_V3 = bytes.fromhex("060704008195320105")  # 0.4.0.19122.1.5


def tlv(buf, pos):
    """(tag, header_end, end) of the DER element at pos."""
    tag = buf[pos]
    length = buf[pos + 1]
    hdr = pos + 2
    if length & 0x80:
        n = length & 0x7F
        length = int.from_bytes(buf[hdr:hdr + n], "big")
        hdr += n
    return tag, hdr, hdr + length


def children(buf, start, end):
    out, pos = [], start
    while pos < end:
        tag, hdr, nxt = tlv(buf, pos)
        out.append((tag, pos, hdr, nxt))
        pos = nxt
    return out


def unsigned_values(buf, si):
    """[(attrType TLV, value TLV)] of a SignerInfo's unsignedAttrs, and the fields before them."""
    values, fields = [], b""
    for tag, pos, hdr, end in children(buf, si[2], si[3]):
        if tag == 0xA1:
            for _, apos, ahdr, aend in children(buf, hdr, end):
                (t_tag, t_pos, t_hdr, t_end), (_, _, s_hdr, s_end) = children(buf, ahdr, aend)
                for _, vpos, _, vend in children(buf, s_hdr, s_end):
                    values.append((buf[t_pos:t_end], buf[vpos:vend]))
        else:
            fields += buf[pos:end]
    return values, fields


def signed_data_parts(buf):
    """(eContentType TLV, [certificate TLVs], [CRL TLVs], [SignerInfo elements]) of a ContentInfo."""
    _, ci_hdr, ci_end = tlv(buf, 0)
    wrap = children(buf, ci_hdr, ci_end)[1]
    sd = children(buf, wrap[2], wrap[3])[0]
    certs, crls, signers, ctype = [], [], [], None
    for tag, pos, hdr, end in children(buf, sd[2], sd[3]):
        if tag == 0x30 and ctype is None:
            t = children(buf, hdr, end)[0]
            ctype = buf[t[1]:t[3]]
        elif tag == 0xA0:
            certs = [buf[p:e] for _, p, _, e in children(buf, hdr, end)]
        elif tag == 0xA1:
            crls = [buf[p:e] for _, p, _, e in children(buf, hdr, end)]
        elif tag == 0x31 and ctype is not None:
            signers = children(buf, hdr, end)
    return ctype, certs, crls, signers


def main():
    sig_path, content_path, signer_index, ats_index, out = sys.argv[1:6]
    buf = open(sig_path, "rb").read()
    ctype, certs, crls, signers = signed_data_parts(buf)
    values, fields = unsigned_values(buf, signers[int(signer_index)])
    tokens = [v for t, v in values if t == ATS_V3]
    token = tokens[int(ats_index)]
    open(out, "wb").write(token)
    # the token's own SignerInfo carries the ats-hash-index-v3
    _, t_hdr, t_end = tlv(token, 0)
    t_wrap = children(token, t_hdr, t_end)[1]
    t_sd = children(token, t_wrap[2], t_wrap[3])[0]
    t_signers = [c for c in children(token, t_sd[2], t_sd[3]) if c[0] == 0x31][-1]
    t_si = children(token, t_signers[2], t_signers[3])[0]
    t_values, _ = unsigned_values(token, t_si)
    index = [v for t, v in t_values if t == ATS_HASH_INDEX_V3][0]
    _, i_hdr, i_end = tlv(index, 0)
    parts = children(index, i_hdr, i_end)
    if parts[0][0] == 0x30 and index[parts[0][2]] == 0x06:  # hashIndAlgorithm present: only SHA-256 is handled here
        parts = parts[1:]
    have = [set(hashlib.sha256(x).digest() for x in xs) for xs in (certs, crls, [t + v for t, v in values])]
    for (tag, pos, hdr, end), now in zip(parts, have):
        for _, opos, ohdr, oend in children(index, hdr, end):
            if index[ohdr:oend] not in now:
                sys.exit("an indexed value is missing from the signature")
    content = open(content_path, "rb").read()
    imprint = hashlib.sha256(ctype + hashlib.sha256(content).digest() + fields + index).hexdigest()
    print(imprint)


if __name__ == "__main__":
    main()
