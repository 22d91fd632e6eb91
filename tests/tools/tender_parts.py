#!/usr/bin/python3
"""The parts of a sealed tender package, read without tsign (asn1crypto only), for the interop
checks of tests/cli/test_tender.sh.

  tender_parts.py parse CONTENT.der OUTDIR
      CONTENT.der: the TenderPackage (the encapsulated content of the bidder's outer SignedData,
      as `openssl cms -verify -out` writes it). Writes OUTDIR/share-N.der (member N's sealed share,
      a DER EnvelopedData ContentInfo) and OUTDIR/payload.der (the AuthEnvelopedData ContentInfo);
      prints JSON: version, tender, descriptor_sha256, envelope, threshold, shares [{member,
      cert_sha256, recipient}], payload {content_type, recipients, kekid, key_encryption,
      content_encryption}.

  tender_parts.py flip-payload PACKAGE OUT
      PACKAGE: a sealed package file (DER SignedData). Writes OUT: the same bytes with one byte
      flipped in the middle of the payload (the AuthEnvelopedData), away from its first and last
      bytes; prints JSON {offset, payload_offset, payload_size, size}.

TenderPackage ::= SEQUENCE { version INTEGER, tenderId UTF8String, descriptorHash OCTET STRING,
    envelope UTF8String, threshold INTEGER, shares SEQUENCE OF SealedShare, payload OCTET STRING }
SealedShare ::= SEQUENCE { member INTEGER, certHash OCTET STRING, sealed OCTET STRING }
"""
import json
import os
import sys

from asn1crypto import cms, core


class SealedShare(core.Sequence):
    _fields = [
        ("member", core.Integer),
        ("cert_hash", core.OctetString),
        ("sealed", core.OctetString),
    ]


class SealedShares(core.SequenceOf):
    _child_spec = SealedShare


class TenderPackage(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("tender_id", core.UTF8String),
        ("descriptor_hash", core.OctetString),
        ("envelope", core.UTF8String),
        ("threshold", core.Integer),
        ("shares", SealedShares),
        ("payload", core.OctetString),
    ]


def die(msg):
    print("tender_parts: " + msg, file=sys.stderr)
    sys.exit(1)


def recipient_kind(ci):
    """'ktri' / 'kari' / 'kekri' of each RecipientInfo of an (Auth)EnvelopedData ContentInfo."""
    return [ri.name for ri in ci["content"]["recipient_infos"]]


def parse(content_path, outdir):
    data = open(content_path, "rb").read()
    pkg = TenderPackage.load(data, strict=True)
    os.makedirs(outdir, exist_ok=True)
    shares = []
    for s in pkg["shares"]:
        n = s["member"].native
        sealed = s["sealed"].native
        ci = cms.ContentInfo.load(sealed, strict=True)
        if ci["content_type"].native != "enveloped_data":
            die("share %d is a %s, not an EnvelopedData" % (n, ci["content_type"].native))
        with open(os.path.join(outdir, "share-%d.der" % n), "wb") as f:
            f.write(sealed)
        shares.append({"member": n, "cert_sha256": s["cert_hash"].native.hex(), "recipient": recipient_kind(ci)})
    payload = pkg["payload"].native
    ci = cms.ContentInfo.load(payload, strict=True)
    with open(os.path.join(outdir, "payload.der"), "wb") as f:
        f.write(payload)
    info = {"content_type": ci["content_type"].native, "recipients": recipient_kind(ci)}
    if ci["content_type"].native == "authenticated_enveloped_data":
        aed = ci["content"]
        ris = aed["recipient_infos"]
        if len(ris) == 1 and ris[0].name == "kekri":
            kekri = ris[0].chosen
            info["kekid"] = kekri["kekid"]["key_identifier"].native.hex()
            info["key_encryption"] = kekri["key_encryption_algorithm"]["algorithm"].dotted
        info["content_encryption"] = aed["auth_encrypted_content_info"]["content_encryption_algorithm"]["algorithm"].dotted
    print(json.dumps({
        "version": pkg["version"].native,
        "tender": pkg["tender_id"].native,
        "descriptor_sha256": pkg["descriptor_hash"].native.hex(),
        "envelope": pkg["envelope"].native,
        "threshold": pkg["threshold"].native,
        "shares": shares,
        "payload": info,
    }, indent=2))


def flip_payload(package_path, out_path):
    data = bytearray(open(package_path, "rb").read())
    ci = cms.ContentInfo.load(bytes(data))
    if ci["content_type"].native != "signed_data":
        die("the package is not a SignedData")
    content = ci["content"]["encap_content_info"]["content"].native
    payload = TenderPackage.load(content)["payload"].native
    at = bytes(data).find(payload)
    if at < 0 or bytes(data).find(payload, at + 1) >= 0:
        die("cannot locate the payload in the package exactly once")
    off = at + len(payload) // 2
    data[off] ^= 0x01
    with open(out_path, "wb") as f:
        f.write(data)
    print(json.dumps({"offset": off, "payload_offset": at, "payload_size": len(payload), "size": len(data)}))


def main(argv):
    if len(argv) == 4 and argv[1] == "parse":
        parse(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] == "flip-payload":
        flip_payload(argv[2], argv[3])
    else:
        die("usage: tender_parts.py parse CONTENT.der OUTDIR | flip-payload PACKAGE OUT")


if __name__ == "__main__":
    main(sys.argv)
