#!/usr/bin/python3
"""Slow and idle clients for bench/run_http.sh (issue 13). Measurement only, stdlib only.

All timed requests are plain HTTP/1.1 GETs, each on a FRESH connection (connect, send, read the
whole response, close); the time is from connect() to the last byte of the body.

  timed PORT PATH M                 M timed GETs, nothing else open (the unloaded baseline)
      prints: p50_ms p99_ms failed
  hold  PORT PATH N M PID           N connections that each send half a request head and stall, then
                                    M timed GETs while they are held; RSS of PID read afterwards
      prints: p50_ms p99_ms failed held_still_open rss_kib hwm_kib nofile
  idle  PORT PATH N M PID           N keep-alive connections that each make one GET and then idle,
                                    then M timed GETs; RSS of PID and the server's /metrics afterwards
      prints: p50_ms p99_ms failed opened_ok kept closed rss_kib hwm_kib open_conns evicted refused nofile
"""
import resource
import select
import socket
import sys
import time

HOST = "127.0.0.1"


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 65536 if hard == resource.RLIM_INFINITY else min(65536, hard)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def read_response(s):
    """Read one HTTP/1.1 response with a Content-Length body. Returns (status, body) or raises."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the head")
        buf += chunk
    head, body = buf.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    while len(body) < length:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("closed in the body")
        body += chunk
    return status, body[:length]


def request_bytes(path):
    return f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nUser-Agent: slow_clients\r\n\r\n".encode()


def timed_gets(port, path, m):
    req = request_bytes(path)
    times, failed = [], 0
    for _ in range(m):
        t0 = time.perf_counter()
        try:
            with socket.create_connection((HOST, port), timeout=10) as s:
                s.sendall(req)
                status, body = read_response(s)
                if status != 200 or not body:
                    failed += 1
        except Exception:
            failed += 1
        times.append((time.perf_counter() - t0) * 1000.0)
    times.sort()
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    return p(0.50), p(0.99), failed


def rss(pid):
    vals = {"VmRSS:": 0, "VmHWM:": 0}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            parts = line.split()
            if parts and parts[0] in vals:
                vals[parts[0]] = int(parts[1])
    return vals["VmRSS:"], vals["VmHWM:"]


def still_open(socks):
    """How many sockets the server has neither answered nor closed (not readable)."""
    poller = select.poll()
    for s in socks:
        poller.register(s, select.POLLIN | select.POLLERR | select.POLLHUP)
    ready = {fd for fd, _ in poller.poll(0)}
    return sum(1 for s in socks if s.fileno() not in ready)


def metrics(port):
    with socket.create_connection((HOST, port), timeout=10) as s:
        s.sendall(request_bytes("/metrics"))
        _, body = read_response(s)
    out = {}
    for line in body.decode().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            out[name] = value
    return out


def cmd_timed(port, path, m):
    a, b, f = timed_gets(port, path, m)
    print(f"{a:.2f} {b:.2f} {f}")


def cmd_hold(port, path, n, m, pid):
    nofile = raise_nofile()
    half = f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n".encode()  # the head is never finished
    held = []
    for _ in range(n):
        s = socket.create_connection((HOST, port), timeout=10)
        s.sendall(half)
        held.append(s)
    time.sleep(0.2)
    a, b, f = timed_gets(port, path, m)
    r, h = rss(pid)
    kept = still_open(held)
    for s in held:
        s.close()
    print(f"{a:.2f} {b:.2f} {f} {kept} {r} {h} {nofile}")


def cmd_idle(port, path, n, m, pid):
    nofile = raise_nofile()
    req = request_bytes(path)
    idle, opened = [], 0
    for _ in range(n):
        try:
            s = socket.create_connection((HOST, port), timeout=10)
            s.sendall(req)
            status, _ = read_response(s)
            if status == 200:
                opened += 1
            idle.append(s)
        except Exception:
            pass
    time.sleep(0.2)
    a, b, f = timed_gets(port, path, m)
    r, h = rss(pid)
    kept = still_open(idle)
    mt = metrics(port)
    for s in idle:
        s.close()
    print(f"{a:.2f} {b:.2f} {f} {opened} {kept} {len(idle) - kept} {r} {h} "
          f"{mt.get('tsign_http_open_connections', 'NA')} {mt.get('tsign_http_connections_evicted_total', 'NA')} "
          f"{mt.get('tsign_http_connections_refused_total', 'NA')} {nofile}")


if __name__ == "__main__":
    mode, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    nums = [int(x) for x in sys.argv[4:]]
    {"timed": cmd_timed, "hold": cmd_hold, "idle": cmd_idle}[mode](port, path, *nums)
