#!/usr/bin/env python3
"""A second, independent RFC 3161 TSA for tests and benchmarks: every POST runs `openssl ts -reply`
in a new process (a process per request). Python standard library only.

usage: openssl_tsa.py PORT TSA_CERT TSA_KEY CHAIN_PEM STATE_DIR
Listens on 127.0.0.1:PORT; answers application/timestamp-query with application/timestamp-reply."""
import http.server
import os
import subprocess
import sys
import tempfile

port, cert, key, chain, state = sys.argv[1:6]
os.makedirs(state, exist_ok=True)
serial = os.path.join(state, "serial")
if not os.path.exists(serial):
    open(serial, "w").write("01\n")
# openssl ts reads PEM keys only: a DER (or PEM) key becomes PEM in the state folder, mode 0600
pem_key = os.path.join(state, "key.pem")
subprocess.run(["openssl", "pkey", "-in", key, "-out", pem_key], check=True, capture_output=True)
os.chmod(pem_key, 0o600)
key = pem_key
config = os.path.join(state, "tsa.cnf")
open(config, "w").write(f"""
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {state}
serial = {serial}
crypto_device = builtin
signer_cert = {cert}
certs = {chain}
signer_key = {key}
signer_digest = sha256
default_policy = 1.3.6.1.4.1.57264.99.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
""")


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with tempfile.NamedTemporaryFile(dir=state, suffix=".tsq") as q:
            q.write(body)
            q.flush()
            r = subprocess.run(["openssl", "ts", "-reply", "-config", config, "-queryfile", q.name, "-out", "-"],
                               capture_output=True)
        if r.returncode != 0 or not r.stdout:
            self.send_response(500)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(r.stdout)))
        self.end_headers()
        self.wfile.write(r.stdout)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), Handler).serve_forever()
