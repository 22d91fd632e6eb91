#!/usr/bin/python3
# Hand probe for issue 13 (not run by run.sh): 3 pipelined GETs, and a 100 KiB chunked POST.
# Usage: probe.py PORT   (start proto_beast / proto_mhd first)
import socket, sys, time
port = int(sys.argv[1])
def talk(payload, wait=1.5):
    s = socket.create_connection(("127.0.0.1", port), timeout=wait); s.sendall(payload); data = b""
    t0 = time.time()
    try:
        while time.time() - t0 < wait:
            d = s.recv(65536)
            if not d: data += b"<EOF>"; break
            data += d
    except socket.timeout: pass
    s.close(); return data
# pipelining: 3 requests in one write, different paths; count responses
r = talk(b"".join(b"GET /p%d HTTP/1.1\r\nHost: x\r\n\r\n" % i for i in range(3)))
print("pipelined 3 -> status lines:", r.count(b"HTTP/1.1 200"))
# chunked POST with 100 KiB body (limit in beast proto: 64 KiB)
chunk = b"a" * 4096
body = b"".join(b"%x\r\n" % len(chunk) + chunk + b"\r\n" for _ in range(25)) + b"0\r\n\r\n"
r = talk(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
print("chunked 100KiB POST ->", r.split(b"\r\n",1)[0], "EOF" if r.endswith(b"<EOF>") else "")
