#!/usr/bin/env python3
"""Verifies a signature through libtsign's C ABI with ctypes (Python's standard library only).

usage: verify.py LIBTSIGN.so SIGNATURE DOCUMENT TRUST_ANCHOR
Prints the report (the same JSON as `tsign verify --json`); exit 0 when every signer is valid."""
import ctypes
import json
import sys

lib_path, sig_path, doc_path, trust_path = sys.argv[1:5]
lib = ctypes.CDLL(lib_path)


class VerifyOptions(ctypes.Structure):
    _fields_ = [
        ("struct_size", ctypes.c_size_t),
        ("trust_files", ctypes.POINTER(ctypes.c_char_p)), ("trust_count", ctypes.c_size_t),
        ("untrusted_files", ctypes.POINTER(ctypes.c_char_p)), ("untrusted_count", ctypes.c_size_t),
        ("crl_files", ctypes.POINTER(ctypes.c_char_p)), ("crl_count", ctypes.c_size_t),
        ("revocation", ctypes.c_int),
        ("offline", ctypes.c_int),
        ("at", ctypes.c_int64),
        ("roster_file", ctypes.c_char_p),
    ]


lib.tsign_version.restype = ctypes.c_char_p
lib.tsign_last_error.restype = ctypes.c_char_p
lib.tsign_verify.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.POINTER(VerifyOptions),
                             ctypes.POINTER(ctypes.c_void_p)]
lib.tsign_verify.restype = ctypes.c_int
lib.tsign_free.argtypes = [ctypes.c_void_p]

signature = open(sig_path, "rb").read()
trust = (ctypes.c_char_p * 1)(trust_path.encode())
options = VerifyOptions(struct_size=ctypes.sizeof(VerifyOptions), trust_files=trust, trust_count=1, offline=1)
report_ptr = ctypes.c_void_p()
status = lib.tsign_verify(signature, len(signature), doc_path.encode(), ctypes.byref(options), ctypes.byref(report_ptr))
if not report_ptr.value:
    print(f"tsign {lib.tsign_version().decode()}: status {status}: {lib.tsign_last_error().decode()}", file=sys.stderr)
    sys.exit(status)
report = json.loads(ctypes.string_at(report_ptr.value).decode("utf-8"))
lib.tsign_free(report_ptr)
print(f"tsign {lib.tsign_version().decode()} via ctypes: status {status}, valid {report['valid']}")
for s in report["signers"]:
    print(f"  {s['subject']}: {s['indication']}")
sys.exit(0 if status == 0 and report["valid"] else 1)
