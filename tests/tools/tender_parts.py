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
      bytes; prints JSON {offset (in the file), payload_index (in the payload), payload_size, size}.

  tender_parts.py flip-content CONTENT.der OUT
      The same in a bare TenderPackage (to be signed again: a package whose payload was altered
      before the bidder's outer signature).

  tender_parts.py root LIST.json
      LIST.json: the closing list's content (JSON). Checks, independently of tsign, that its root is
      the RFC 9162 Merkle tree hash of its entries' leaf hashes.

  tender_parts.py inclusion VERIFY_LIST.json RECEIPT
      VERIFY_LIST.json: `tsign tender verify-list --json --receipt RECEIPT` output. Checks that the
      leaf is SHA-256(0x00 || RECEIPT) and that the audit path leads to the root (RFC 9162
      2.1.3.2, implemented here).

TenderPackage ::= SEQUENCE { version INTEGER, tenderId UTF8String, descriptorHash OCTET STRING,
    envelope UTF8String, threshold INTEGER, shares SEQUENCE OF SealedShare, payload OCTET STRING }
SealedShare ::= SEQUENCE { member INTEGER, certHash OCTET STRING, sealed OCTET STRING }
"""
import hashlib
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


def flip_in(data, payload, out_path):
    """Flips one byte in the middle of `payload` where it occurs in `data`; writes out_path.
    A 64-byte window around the middle that occurs once in the file is searched (a BER encoding
    may cut the content into chunks: the window is moved off a chunk boundary)."""
    mid = len(payload) // 2
    for delta in range(0, len(payload) // 4, 16):
        for start in (mid - 32 + delta, mid - 32 - delta):
            window = bytes(payload[start:start + 64])
            at = bytes(data).find(window)
            if at >= 0 and bytes(data).find(window, at + 1) < 0:
                off = at + 32
                data[off] ^= 0x01
                with open(out_path, "wb") as f:
                    f.write(data)
                print(json.dumps({"offset": off, "payload_index": start + 32, "payload_size": len(payload), "size": len(data)}))
                return
    die("cannot locate the middle of the payload")


def flip_payload(package_path, out_path):
    data = bytearray(open(package_path, "rb").read())
    ci = cms.ContentInfo.load(bytes(data))
    if ci["content_type"].native != "signed_data":
        die("the package is not a SignedData")
    content = ci["content"]["encap_content_info"]["content"].native  # also when BER-chunked
    flip_in(data, TenderPackage.load(content)["payload"].native, out_path)


def flip_content(content_path, out_path):
    data = bytearray(open(content_path, "rb").read())
    flip_in(data, TenderPackage.load(bytes(data), strict=True)["payload"].native, out_path)


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(leaves):
    """RFC 9162 2.1.1: the Merkle tree hash of a list of leaf hashes."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node(mth(leaves[:k]), mth(leaves[k:]))


def root(list_json):
    j = json.load(open(list_json))
    leaves = [bytes.fromhex(e["leaf_hash"]) for e in j["entries"]]
    got = mth(leaves).hex()
    if got != j["root"] or j["tree_size"] != len(leaves):
        die("the list's root %s is not the tree hash %s of its %d leaves" % (j["root"], got, len(leaves)))
    print(json.dumps({"tree_size": len(leaves), "root": got}))


def inclusion(verify_json, receipt_path):
    j = json.load(open(verify_json))
    inc = j["inclusion"]
    leaf = hashlib.sha256(b"\x00" + open(receipt_path, "rb").read()).digest()
    if leaf.hex() != inc["leaf_hash"]:
        die("the leaf hash is not SHA-256(0x00 || receipt)")
    # RFC 9162 2.1.3.2
    fn, sn, r = inc["index"], j["tree_size"] - 1, leaf
    if fn > sn:
        die("index out of range")
    for p in (bytes.fromhex(h) for h in inc["path"]):
        if sn == 0:
            die("the path is too long")
        if fn & 1 or fn == sn:
            r = node(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0 or r.hex() != j["root"]:
        die("the audit path does not lead to the root")
    print(json.dumps({"index": inc["index"], "tree_size": j["tree_size"], "path": len(inc["path"])}))


def main(argv):
    if len(argv) == 4 and argv[1] == "parse":
        parse(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] == "flip-payload":
        flip_payload(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] == "flip-content":
        flip_content(argv[2], argv[3])
    elif len(argv) == 3 and argv[1] == "root":
        root(argv[2])
    elif len(argv) == 4 and argv[1] == "inclusion":
        inclusion(argv[2], argv[3])
    else:
        die("usage: tender_parts.py parse CONTENT.der OUTDIR | flip-payload PACKAGE OUT | flip-content CONTENT.der OUT | root LIST.json"
            " | inclusion VERIFY_LIST.json RECEIPT")


if __name__ == "__main__":
    main(sys.argv)
