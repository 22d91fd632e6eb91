#!/usr/bin/python3
"""certedit.py IN.pem OUT.pem --cakey KEY [--add OID:CRIT:HEX]... [--drop OID]... [--md sha256]
Re-issues a certificate with raw extensions appended (duplicates allowed; HEX is the extnValue's
content, which need not decode), the extensions named by --drop removed, and signs the TBS again
with the issuer's key (openssl dgst -sign). The signature algorithm stays what it was (EC or RSA
PKCS#1 v1.5 with the given md). Used by lib.sh's ext_signer. TEST ONLY."""
import argparse, subprocess, tempfile
from asn1crypto import x509, pem

def dlen(n):
    if n < 0x80: return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big"); return bytes([0x80 | len(b)]) + b
def tlv(tag, body): return bytes([tag]) + dlen(len(body)) + body
def oid_der(dotted):
    parts = [int(x) for x in dotted.split(".")]
    out = bytes([parts[0] * 40 + parts[1]])
    for p in parts[2:]:
        s = [p & 0x7F]; p >>= 7
        while p: s.insert(0, 0x80 | (p & 0x7F)); p >>= 7
        out += bytes(s)
    return tlv(0x06, out)

ap = argparse.ArgumentParser()
ap.add_argument("inp"); ap.add_argument("out"); ap.add_argument("--cakey", required=True)
ap.add_argument("--add", action="append", default=[]); ap.add_argument("--drop", action="append", default=[])
ap.add_argument("--md", default="sha256")
a = ap.parse_args()
data = open(a.inp, "rb").read()
if pem.detect(data): _, _, data = pem.unarmor(data)
cert = x509.Certificate.load(data)
tbs = cert["tbs_certificate"]
raw = [e.dump() for e in tbs["extensions"] if e["extn_id"].dotted not in a.drop]
for spec in a.add:
    oid, crit, hx = spec.split(":")
    body = oid_der(oid) + (b"\x01\x01\xff" if crit == "1" else b"") + tlv(0x04, bytes.fromhex(hx))
    raw.append(tlv(0x30, body))
exts = tlv(0xA3, tlv(0x30, b"".join(raw)))
# rebuild the TBS: every field but the extensions ([3]) byte for byte as it was
orig = tbs.contents
parsed = []
pos = 0
while pos < len(orig):
    tag = orig[pos]; l = orig[pos + 1]; hl = 2
    if l & 0x80:
        nb = l & 0x7F; l = int.from_bytes(orig[pos + 2:pos + 2 + nb], "big"); hl = 2 + nb
    parsed.append(orig[pos:pos + hl + l]); pos += hl + l
keep = [p for p in parsed if p[0] != 0xA3]
new_tbs = tlv(0x30, b"".join(keep) + exts)
with tempfile.NamedTemporaryFile() as f, tempfile.NamedTemporaryFile() as s:
    f.write(new_tbs); f.flush()
    subprocess.run(["openssl", "dgst", "-" + a.md, "-sign", a.cakey, "-out", s.name, f.name], check=True)
    sig = open(s.name, "rb").read()
algo = cert["signature_algorithm"].dump()
out = tlv(0x30, new_tbs + algo + tlv(0x03, b"\x00" + sig))
open(a.out, "wb").write(pem.armor("CERTIFICATE", out))
