#!/usr/bin/env python3
"""Extracts the CAdES-LT values a signer carries (EN 319 122-1 §5.5.1-5.5.2), Python standard library
only, so that other tools can check them: certificate-values as cert-N.der, revocation-values as
crl-N.der and ocsp-N.der (each BasicOCSPResponse wrapped in an OCSPResponse, as `openssl ocsp
-respin` reads it). Prints the counts: "certificates crls ocsp".

usage: ltv_values.py SIGNATURE.p7s SIGNER_INDEX OUT_DIR"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ats_v3 import children, signed_data_parts, tlv, unsigned_values  # noqa: E402

CERT_VALUES = bytes.fromhex("060b2a864886f70d0109100217")        # 1.2.840.113549.1.9.16.2.23
REVOCATION_VALUES = bytes.fromhex("060b2a864886f70d0109100218")  # 1.2.840.113549.1.9.16.2.24
OCSP_BASIC = bytes.fromhex("06092b0601050507300101")             # 1.3.6.1.5.5.7.48.1.1


def der(tag, content):
    n = len(content)
    if n < 0x80:
        length = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + length + content


def elements(value):
    """The elements inside one DER SEQUENCE value."""
    _, hdr, end = tlv(value, 0)
    return [value[p:e] for _, p, _, e in children(value, hdr, end)]


def main():
    sig_path, index, out = sys.argv[1:4]
    buf = open(sig_path, "rb").read()
    _, _, _, signers = signed_data_parts(buf)
    values, _ = unsigned_values(buf, signers[int(index)])
    certs, crls, ocsps = [], [], []
    for attr_type, value in values:
        if attr_type == CERT_VALUES:
            certs += elements(value)
        elif attr_type == REVOCATION_VALUES:
            for tagged in elements(value):  # [0] EXPLICIT crlVals, [1] EXPLICIT ocspVals
                inner = elements(tagged)[0]
                (crls if tagged[0] == 0xA0 else ocsps).extend(elements(inner))
    os.makedirs(out, exist_ok=True)
    for name, items in (("cert", certs), ("crl", crls)):
        for i, item in enumerate(items):
            open(os.path.join(out, f"{name}-{i}.der"), "wb").write(item)
    for i, basic in enumerate(ocsps):
        response = der(0x30, der(0x0A, b"\x00") + der(0xA0, der(0x30, OCSP_BASIC + der(0x04, basic))))
        open(os.path.join(out, f"ocsp-{i}.der"), "wb").write(response)
    print(len(certs), len(crls), len(ocsps))


if __name__ == "__main__":
    main()
