#!/usr/bin/python3
"""crlpatch.py IN.pem OUT.pem KEY REASON|none [INVALIDITY YYYYmmddHHMMSSZ] (verify corpus, TEST ONLY;
Debian's python3-asn1crypto): set the reasonCode of every entry of a CRL (REASON an integer, any value
0..255, undefined ones too; none: no reasonCode), optionally add an invalidityDate, and sign the TBS
again with KEY (`openssl dgst -sha256`: the CRL's signature algorithm must be ECDSA/RSA with SHA-256)."""
import sys, subprocess, tempfile, base64
from asn1crypto import crl, core, pem
src, out, key, reason = sys.argv[1:5]
inv = sys.argv[5] if len(sys.argv) > 5 else None
data = open(src, "rb").read()
if pem.detect(data): _, _, data = pem.unarmor(data)
c = crl.CertificateList.load(data)
tbs = c["tbs_cert_list"]
for e in tbs["revoked_certificates"]:
    exts = [x for x in e["crl_entry_extensions"] if x["extn_id"].dotted not in ("2.5.29.21", "2.5.29.24")] if e["crl_entry_extensions"] else []
    raw = [x.dump() for x in exts]
    if reason != "none":
        # reasonCode ::= ENUMERATED, raw so that undefined values are allowed
        val = bytes([0x0a, 1, int(reason)])
        raw.append(core.Sequence.load(b"\x30" + bytes([len(core.ObjectIdentifier("2.5.29.21").dump()) + 2 + len(val)]) + core.ObjectIdentifier("2.5.29.21").dump() + b"\x04" + bytes([len(val)]) + val).dump())
    if inv:
        g = core.GeneralizedTime.load(b"\x18\x0f" + inv.encode()).dump()
        oid = core.ObjectIdentifier("2.5.29.24").dump()
        raw.append(b"\x30" + bytes([len(oid) + 2 + len(g)]) + oid + b"\x04" + bytes([len(g)]) + g)
    body = b"".join(raw)
    e["crl_entry_extensions"] = crl.CRLEntryExtensions.load(b"\x30" + (bytes([len(body)]) if len(body) < 128 else b"\x81" + bytes([len(body)])) + body) if raw else None
tbs["revoked_certificates"] = crl.RevokedCertificates([crl.RevokedCertificate.load(e.dump()) for e in tbs["revoked_certificates"]]); tbs_der = tbs.dump()
with tempfile.NamedTemporaryFile() as f:
    f.write(tbs_der); f.flush()
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key, "-binary", f.name], check=True, capture_output=True).stdout
c["signature"] = sig
open(out, "wb").write(pem.armor("X509 CRL", c.dump()))
