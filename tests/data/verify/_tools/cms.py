#!/usr/bin/python3
"""DER surgery on CMS SignedData for the verify corpus (TEST ONLY).

Runs with Debian's python3-asn1crypto (/usr/bin/python3). Each command reads a DER SignedData,
changes one thing, and writes DER. Only the path from the changed element up to the top is
re-encoded: everything else keeps its original bytes, so signatures over untouched parts stay
valid.

  cms.py info SIG                                   signer count and attribute types (debugging)
  cms.py sigvalue SIG OUT [--idx N]                 the SignerInfo's signature value (a timestamp's imprint input)
  cms.py add-ts SIG TOKEN OUT [--idx N] [--append]  add a signature-timestamp token: a new attribute, or
                                                    (--append) one more value of the first such attribute
  cms.py set-econtent-type SIG OID OUT              change encapContentInfo.eContentType (not signed)
  cms.py resign SIG OUT --key KEY [--md sha256] [--idx N] [--drop OID]... [--content-type OID]
                [--replace-hex OLD NEW]             change the signed attributes and sign them again
  cms.py flip-signature SIG OUT [--idx N]           change one byte in the middle of the signature value
  cms.py strip-certs SIG OUT                        remove the certificates field of SignedData
  cms.py drop-unsigned SIG OUT OID [--idx N]        remove every unsigned attribute of this type
  cms.py corrupt-token SIG OUT OID [--idx N] [--nth K]
                                                    change one byte of the signature value of the K-th
                                                    token (timestamp) in unsigned attributes of type OID
  cms.py replace-revvalues-crl SIG OUT CRL [--idx N]
                                                    replace the first CRL of the revocation-values attribute
  cms.py build DOC OUT --cert CERT --key KEY [--chain PEM]... [--digest sha512] [--sigalg ed25519]
                [--signing-time "YYYY-MM-DD HH:MM:SS"]
                                                    a detached CAdES signature made from scratch, for key
                                                    types `openssl cms -sign` 3.0 cannot use (Ed25519):
                                                    content-type, signing-time, message-digest and
                                                    signing-certificate-v2, signed with `openssl pkeyutl`
  cms.py tstinfo TOKEN OUT                          the DER TSTInfo inside a timestamp token
  cms.py genTime TOKEN                              print a token's genTime
"""
import argparse
import hashlib
import subprocess
import sys
import tempfile

from asn1crypto import cms, core, tsp

OID_TS = "1.2.840.113549.1.9.16.2.14"        # id-aa-signatureTimeStampToken
OID_REVVALUES = "1.2.840.113549.1.9.16.2.24"  # id-aa-ets-revocationValues
OID_CT = "1.2.840.113549.1.9.3"               # content-type


def load(path):
    return cms.ContentInfo.load(open(path, "rb").read())


def save(ci, path):
    open(path, "wb").write(ci.dump())


def signer(ci, idx):
    return ci["content"]["signer_infos"][idx]


def unsigned_list(si):
    """The unsigned attributes of a SignerInfo, as a list (empty when absent)."""
    u = si["unsigned_attrs"]
    return [] if isinstance(u, core.Void) else list(u)


def attr_oid(attr):
    return attr["type"].dotted


def der_set(encodings):
    """DER SET OF: the elements sorted by their encodings (X.690 §11.6)."""
    body = b"".join(sorted(encodings))
    return b"\x31" + der_len(len(body)) + body


def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def cmd_info(a):
    ci = load(a.sig)
    sd = ci["content"]
    print("eContentType", sd["encap_content_info"]["content_type"].dotted)
    print("certificates", 0 if isinstance(sd["certificates"], core.Void) else len(sd["certificates"]))
    for i, si in enumerate(sd["signer_infos"]):
        print("signer", i, si["digest_algorithm"]["algorithm"].native, si["signature_algorithm"]["algorithm"].native)
        for at in si["signed_attrs"]:
            print("  signed", attr_oid(at), at["type"].native, len(at["values"]))
        for at in unsigned_list(si):
            print("  unsigned", attr_oid(at), at["type"].native, len(at["values"]))


def cmd_sigvalue(a):
    open(a.out, "wb").write(signer(load(a.sig), a.idx)["signature"].native)


def cmd_add_ts(a):
    ci = load(a.sig)
    si = signer(ci, a.idx)
    token = cms.ContentInfo.load(open(a.token, "rb").read())
    attrs = unsigned_list(si)
    if a.append:
        for at in attrs:
            if attr_oid(at) == OID_TS:
                vals = list(at["values"]) + [token]
                at["values"] = vals
                break
        else:
            sys.exit("no signature-timestamp attribute to append to")
    else:
        attrs.append(cms.CMSAttribute({"type": OID_TS, "values": [token]}))
    si["unsigned_attrs"] = cms.CMSAttributes(attrs)
    save(ci, a.out)


def cmd_set_econtent_type(a):
    ci = load(a.sig)
    eci = ci["content"]["encap_content_info"]
    eci["content_type"] = a.oid
    save(ci, a.out)


def cmd_resign(a):
    ci = load(a.sig)
    si = signer(ci, a.idx)
    encs = []
    for at in si["signed_attrs"]:
        oid = attr_oid(at)
        if oid in a.drop:
            continue
        if oid == OID_CT and a.content_type:
            at = cms.CMSAttribute({"type": OID_CT, "values": [cms.ContentType(a.content_type)]})
        encs.append(at.dump())
    new_set = der_set(encs)
    for old, new in a.replace_hex:
        ob, nb = bytes.fromhex(old), bytes.fromhex(new)
        if len(ob) != len(nb) or new_set.count(ob) != 1:
            sys.exit("replace-hex: the old bytes must occur once and keep their length")
        new_set = new_set.replace(ob, nb)
    with tempfile.NamedTemporaryFile() as f:
        f.write(new_set)
        f.flush()
        sig = subprocess.run(["openssl", "dgst", "-" + a.md, "-sign", a.key, "-binary", f.name],
                             check=True, capture_output=True).stdout
    si["signed_attrs"] = cms.CMSAttributes.load(new_set)
    si["signature"] = sig
    save(ci, a.out)


def flip_middle(octets):
    b = bytearray(octets)
    # ECDSA: SEQUENCE { INTEGER r, INTEGER s }: a byte inside r keeps the DER well formed
    b[len(b) // 4 if b[0] == 0x30 else len(b) // 2] ^= 0x5A
    return bytes(b)


def cmd_flip_signature(a):
    ci = load(a.sig)
    si = signer(ci, a.idx)
    si["signature"] = flip_middle(si["signature"].native)
    save(ci, a.out)


def cmd_strip_certs(a):
    ci = load(a.sig)
    ci["content"]["certificates"] = core.Void()
    save(ci, a.out)


def cmd_drop_unsigned(a):
    ci = load(a.sig)
    si = signer(ci, a.idx)
    attrs = [at for at in unsigned_list(si) if attr_oid(at) != a.oid]
    if len(attrs) == len(unsigned_list(si)):
        sys.exit("no unsigned attribute " + a.oid)
    si["unsigned_attrs"] = cms.CMSAttributes(attrs) if attrs else core.Void()
    save(ci, a.out)


def cmd_corrupt_token(a):
    ci = load(a.sig)
    si = signer(ci, a.idx)
    k = 0
    attrs = []
    done = False
    for at in si["unsigned_attrs"]:
        if attr_oid(at) == a.oid and not done:
            vals = []
            for v in at["values"]:
                raw = v.dump()
                if k == a.nth and not done:
                    tok = cms.ContentInfo.load(raw)
                    tsi = tok["content"]["signer_infos"][0]
                    tsi["signature"] = flip_middle(tsi["signature"].native)
                    raw = tok.dump()
                    done = True
                k += 1
                vals.append(raw)
            at = rebuild_attr(a.oid, der_set_keep(vals))
        attrs.append(at)
    if not done:
        sys.exit("no such token")
    si["unsigned_attrs"] = cms.CMSAttributes.load(wrap(0x31, b"".join(x.dump() for x in attrs)))
    save(ci, a.out)


def der_set_keep(vals):
    """The SET of values in their present order (a SET OF one value, or values already in order)."""
    body = b"".join(vals)
    return b"\x31" + der_len(len(body)) + body


def rebuild_attr(oid, values_set):
    oid_der = core.ObjectIdentifier(oid).dump()
    body = oid_der + values_set
    return core.Any.load(b"\x30" + der_len(len(body)) + body)


def tlvs(buf):
    """The top-level DER elements of buf, as a list of whole encodings (tag, length, contents)."""
    out, i = [], 0
    while i < len(buf):
        n = buf[i + 1]
        if n < 0x80:
            hl, ln = 2, n
        else:
            k = n & 0x7F
            hl, ln = 2 + k, int.from_bytes(buf[i + 2:i + 2 + k], "big")
        out.append(buf[i:i + hl + ln])
        i += hl + ln
    return out


def contents(tlv):
    n = tlv[1]
    return tlv[2:] if n < 0x80 else tlv[2 + (n & 0x7F):]


def wrap(tag, body):
    return bytes([tag]) + der_len(len(body)) + body


def cmd_replace_revvalues_crl(a):
    # RevocationValues ::= SEQUENCE { crlVals [0] EXPLICIT SEQUENCE OF CertificateList OPTIONAL, ... }
    ci = load(a.sig)
    si = signer(ci, a.idx)
    new_crl = open(a.crl, "rb").read()
    attrs = []
    done = False
    for at in unsigned_list(si):
        if attr_oid(at) == OID_REVVALUES and not done:
            rv = at["values"][0].dump()
            parts = []
            for child in tlvs(contents(rv)):
                if not done and child[0] == 0xA0:
                    seq_of = tlvs(contents(child))[0]
                    crls = tlvs(contents(seq_of))
                    crls[0] = new_crl
                    child = wrap(0xA0, wrap(0x30, b"".join(crls)))
                    done = True
                parts.append(child)
            at = rebuild_attr(OID_REVVALUES, der_set_keep([wrap(0x30, b"".join(parts))]))
        attrs.append(at)
    if not done:
        sys.exit("no CRL in revocation-values")
    si["unsigned_attrs"] = cms.CMSAttributes.load(wrap(0x31, b"".join(x.dump() for x in attrs)))
    save(ci, a.out)


def pem_certs(path):
    from asn1crypto import pem, x509
    data = open(path, "rb").read()
    if not pem.detect(data):
        return [x509.Certificate.load(data)]
    return [x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True)]


def cmd_build(a):
    import datetime
    doc = open(a.doc, "rb").read()
    cert = pem_certs(a.cert)[0]
    chain = [c for p in a.chain for c in pem_certs(p)]
    when = datetime.datetime.now(datetime.timezone.utc) if not a.signing_time else \
        datetime.datetime.strptime(a.signing_time, "%Y-%m-%d %H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    cert_hash = hashlib.sha256(cert.dump()).digest()
    # SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 }, ESSCertIDv2 with the
    # DEFAULT hashAlgorithm (sha256) omitted: SEQUENCE { certHash OCTET STRING }
    h = core.OctetString(cert_hash).dump()
    ess_id = b"\x30" + der_len(len(h)) + h
    certs = b"\x30" + der_len(len(ess_id)) + ess_id
    ess = b"\x30" + der_len(len(certs)) + certs
    attrs = [
        cms.CMSAttribute({"type": "content_type", "values": ["data"]}).dump(),
        cms.CMSAttribute({"type": "signing_time", "values": [cms.Time({"utc_time": when})]}).dump(),
        cms.CMSAttribute({"type": "message_digest", "values": [hashlib.new(a.digest, doc).digest()]}).dump(),
        rebuild_attr("1.2.840.113549.1.9.16.2.47", der_set_keep([ess])).dump(),
    ]
    signed = der_set(attrs)
    with tempfile.NamedTemporaryFile() as f:
        f.write(signed)
        f.flush()
        if a.sigalg in ("ed25519", "ed448"):
            cmd = ["openssl", "pkeyutl", "-sign", "-rawin", "-inkey", a.key, "-in", f.name]
        else:
            cmd = ["openssl", "dgst", "-" + a.digest, "-sign", a.key, "-binary", f.name]
        sig = subprocess.run(cmd, check=True, capture_output=True).stdout
    si = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier({"issuer_and_serial_number": cms.IssuerAndSerialNumber({
            "issuer": cert.issuer, "serial_number": cert.serial_number})}),
        "digest_algorithm": {"algorithm": a.digest},
        "signed_attrs": cms.CMSAttributes.load(signed),
        "signature_algorithm": {"algorithm": a.sigalg},
        "signature": sig,
    })
    sd = cms.SignedData({
        "version": "v1",
        "digest_algorithms": [{"algorithm": a.digest}],
        "encap_content_info": {"content_type": "data"},
        "certificates": [cert] + chain,
        "signer_infos": [si],
    })
    save(cms.ContentInfo({"content_type": "signed_data", "content": sd}), a.out)


def cmd_tstinfo(a):
    tok = cms.ContentInfo.load(open(a.token, "rb").read())
    open(a.out, "wb").write(tok["content"]["encap_content_info"]["content"].parsed.dump())


def cmd_gentime(a):
    tok = cms.ContentInfo.load(open(a.token, "rb").read())
    print(tok["content"]["encap_content_info"]["content"].parsed["gen_time"].native.strftime("%Y-%m-%dT%H:%M:%SZ"))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("info"); s.add_argument("sig"); s.set_defaults(f=cmd_info)
    s = sub.add_parser("sigvalue"); s.add_argument("sig"); s.add_argument("out"); s.add_argument("--idx", type=int, default=0); s.set_defaults(f=cmd_sigvalue)
    s = sub.add_parser("add-ts"); s.add_argument("sig"); s.add_argument("token"); s.add_argument("out")
    s.add_argument("--idx", type=int, default=0); s.add_argument("--append", action="store_true"); s.set_defaults(f=cmd_add_ts)
    s = sub.add_parser("set-econtent-type"); s.add_argument("sig"); s.add_argument("oid"); s.add_argument("out"); s.set_defaults(f=cmd_set_econtent_type)
    s = sub.add_parser("resign"); s.add_argument("sig"); s.add_argument("out"); s.add_argument("--key", required=True)
    s.add_argument("--md", default="sha256"); s.add_argument("--idx", type=int, default=0)
    s.add_argument("--drop", action="append", default=[]); s.add_argument("--content-type")
    s.add_argument("--replace-hex", nargs=2, action="append", default=[]); s.set_defaults(f=cmd_resign)
    s = sub.add_parser("flip-signature"); s.add_argument("sig"); s.add_argument("out"); s.add_argument("--idx", type=int, default=0); s.set_defaults(f=cmd_flip_signature)
    s = sub.add_parser("strip-certs"); s.add_argument("sig"); s.add_argument("out"); s.set_defaults(f=cmd_strip_certs)
    s = sub.add_parser("drop-unsigned"); s.add_argument("sig"); s.add_argument("out"); s.add_argument("oid")
    s.add_argument("--idx", type=int, default=0); s.set_defaults(f=cmd_drop_unsigned)
    s = sub.add_parser("corrupt-token"); s.add_argument("sig"); s.add_argument("out"); s.add_argument("oid")
    s.add_argument("--idx", type=int, default=0); s.add_argument("--nth", type=int, default=0); s.set_defaults(f=cmd_corrupt_token)
    s = sub.add_parser("replace-revvalues-crl"); s.add_argument("sig"); s.add_argument("out"); s.add_argument("crl")
    s.add_argument("--idx", type=int, default=0); s.set_defaults(f=cmd_replace_revvalues_crl)
    s = sub.add_parser("build"); s.add_argument("doc"); s.add_argument("out"); s.add_argument("--cert", required=True)
    s.add_argument("--key", required=True); s.add_argument("--chain", action="append", default=[])
    s.add_argument("--digest", default="sha512"); s.add_argument("--sigalg", default="ed25519")
    s.add_argument("--signing-time"); s.set_defaults(f=cmd_build)
    s = sub.add_parser("tstinfo"); s.add_argument("token"); s.add_argument("out"); s.set_defaults(f=cmd_tstinfo)
    s = sub.add_parser("genTime"); s.add_argument("token"); s.set_defaults(f=cmd_gentime)
    a = p.parse_args()
    a.f(a)


if __name__ == "__main__":
    main()
