#!/usr/bin/python3
"""Build a detached CAdES SignedData from scratch with adversarial signed/unsigned attributes
(verify corpus, TEST ONLY; Debian's python3-asn1crypto). Unlike `cms.py build` it can add extra or
duplicate signed and unsigned attributes, choose the SignerIdentifier form and put other
certificates first in the certificates field.
sdbuild.py DOC OUT --cert C --key K [--chain P]... [--digest sha512] [--sigalg ed25519|ecdsa|rsa]
   [--signed OID=HEX]...  extra signed attribute (HEX = DER of the SET OF values, i.e. starting 31..)
   [--unsigned OID=HEX]... extra unsigned attribute
   [--no-st] [--st-raw HEX] (signing-time values SET raw) [--ess-cert FILE]... (ESS v2 names these certs)
   [--sid ski|ias] [--sid-cert FILE] (sid derived from this cert)
   [--certs-first FILE]... (certificates placed before the signer's in the certificates field)
   [--no-ess] (no signing-certificate-v2) [--signing-time "YYYY-MM-DD HH:MM:SS"] (default now)
The signed attributes are content-type, signing-time, message-digest, signing-certificate-v2 (naming
the signer's certificate or the --ess-cert ones), then the --signed ones, in this order.
"""
import argparse, hashlib, os, subprocess, tempfile, datetime, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cms import pem_certs, der_set, der_len, der_set_keep, rebuild_attr
from asn1crypto import cms, core, x509

p = argparse.ArgumentParser()
p.add_argument("doc"); p.add_argument("out")
p.add_argument("--cert", required=True); p.add_argument("--key", required=True)
p.add_argument("--chain", action="append", default=[]); p.add_argument("--certs-first", action="append", default=[])
p.add_argument("--digest", default="sha512"); p.add_argument("--sigalg", default="ed25519")
p.add_argument("--signed", action="append", default=[]); p.add_argument("--unsigned", action="append", default=[])
p.add_argument("--no-st", action="store_true"); p.add_argument("--st-raw")
p.add_argument("--ess-cert", action="append", default=[]); p.add_argument("--no-ess", action="store_true")
p.add_argument("--sid", default="ias"); p.add_argument("--sid-cert")
p.add_argument("--signing-time")
a = p.parse_args()
doc = open(a.doc, "rb").read()
cert = pem_certs(a.cert)[0]
chain = [c for f in a.chain for c in pem_certs(f)]
first = [c for f in a.certs_first for c in pem_certs(f)]
when = datetime.datetime.now(datetime.timezone.utc) if not a.signing_time else \
    datetime.datetime.strptime(a.signing_time, "%Y-%m-%d %H:%M:%S").replace(tzinfo=datetime.timezone.utc)
def ess_for(certs):
    ids = b""
    for c in certs:
        h = core.OctetString(hashlib.sha256(c.dump()).digest()).dump()
        ids += b"\x30" + der_len(len(h)) + h
    seq = b"\x30" + der_len(len(ids)) + ids
    return b"\x30" + der_len(len(seq)) + seq
ess_certs = [pem_certs(f)[0] for f in a.ess_cert] or [cert]
attrs = [cms.CMSAttribute({"type": "content_type", "values": ["data"]}).dump()]
if a.st_raw:
    attrs.append(rebuild_attr("1.2.840.113549.1.9.5", bytes.fromhex(a.st_raw)).dump())
elif not a.no_st:
    attrs.append(cms.CMSAttribute({"type": "signing_time", "values": [cms.Time({"utc_time": when})]}).dump())
attrs.append(cms.CMSAttribute({"type": "message_digest", "values": [hashlib.new(a.digest, doc).digest()]}).dump())
if not a.no_ess:
    attrs.append(rebuild_attr("1.2.840.113549.1.9.16.2.47", der_set_keep([ess_for(ess_certs)])).dump())
for s in a.signed:
    oid, hx = s.split("=", 1)
    attrs.append(rebuild_attr(oid, bytes.fromhex(hx)).dump())
signed = der_set(attrs)
with tempfile.NamedTemporaryFile() as f:
    f.write(signed); f.flush()
    if a.sigalg in ("ed25519", "ed448"):
        cmd = ["openssl", "pkeyutl", "-sign", "-rawin", "-inkey", a.key, "-in", f.name]
    else:
        cmd = ["openssl", "dgst", "-" + a.digest, "-sign", a.key, "-binary", f.name]
    sig = subprocess.run(cmd, check=True, capture_output=True).stdout
sidc = pem_certs(a.sid_cert)[0] if a.sid_cert else cert
if a.sid == "ski":
    sid = cms.SignerIdentifier({"subject_key_identifier": sidc.key_identifier_value})
    ver = "v3"
else:
    sid = cms.SignerIdentifier({"issuer_and_serial_number": cms.IssuerAndSerialNumber({"issuer": sidc.issuer, "serial_number": sidc.serial_number})})
    ver = "v1"
sigalg = {"ed25519": "ed25519", "ed448": "ed448", "ecdsa": a.digest + "_ecdsa", "rsa": "rsassa_pkcs1v15"}[a.sigalg]
si = {"version": ver, "sid": sid, "digest_algorithm": {"algorithm": a.digest},
      "signed_attrs": cms.CMSAttributes.load(signed), "signature_algorithm": {"algorithm": sigalg}, "signature": sig}
if a.unsigned:
    u = []
    for s in a.unsigned:
        oid, hx = s.split("=", 1)
        u.append(rebuild_attr(oid, bytes.fromhex(hx)).dump())
    si["unsigned_attrs"] = cms.CMSAttributes.load(der_set(u))
si = cms.SignerInfo(si)
sd = cms.SignedData({"version": "v3" if ver == "v3" else "v1", "digest_algorithms": [{"algorithm": a.digest}],
    "encap_content_info": {"content_type": "data"}, "certificates": first + [cert] + chain, "signer_infos": [si]})
open(a.out, "wb").write(cms.ContentInfo({"content_type": "signed_data", "content": sd}).dump())
