#!/usr/bin/python3
"""Slow-client checks for the issue-13 HTTP prototypes (measurement only).

hold PORT [N] [M]   open N (300) connections that each send half a request head and hold them,
                    then time M (200) sequential GETs on one fresh keep-alive connection.
                    Prints: p50_ms p99_ms failed held_still_open
trickle PORT [CAP]  send a request head one byte per second (slow-loris) and report after how many
                    seconds the server closed the connection or answered (CAP, default 25 s, = never).
                    Prints: seconds outcome
"""
import http.client
import select
import socket
import sys
import time

HOST = "127.0.0.1"


def hold(port, n=300, m=200):
    held = []
    for _ in range(n):
        s = socket.create_connection((HOST, port), timeout=5)
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        held.append(s)
    time.sleep(0.2)
    times, failed = [], 0
    conn = http.client.HTTPConnection(HOST, port, timeout=5)
    for _ in range(m):
        t0 = time.perf_counter()
        try:
            conn.request("GET", "/r.der")
            r = conn.getresponse()
            body = r.read()
            if r.status != 200 or len(body) != 721:
                failed += 1
        except Exception:
            failed += 1
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
        times.append((time.perf_counter() - t0) * 1000.0)
    conn.close()
    still_open = 0
    for s in held:
        r, _, _ = select.select([s], [], [], 0)
        if not r:
            still_open += 1
        else:
            try:
                if s.recv(1, socket.MSG_PEEK):
                    pass  # server answered something (e.g. 408) -> counted as closed/handled
            except OSError:
                pass
        s.close()
    times.sort()
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    print(f"{p(0.50):.2f} {p(0.99):.2f} {failed} {still_open}")


def trickle(port, cap=25):
    s = socket.create_connection((HOST, port), timeout=cap + 5)
    head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200
    t0 = time.monotonic()
    outcome = "still-open"
    for i, b in enumerate(head):
        if time.monotonic() - t0 >= cap:
            break
        try:
            s.send(bytes([b]))
        except OSError:
            outcome = "send-failed"
            break
        r, _, _ = select.select([s], [], [], 1.0 if i >= 15 else 0.0)
        if r:
            try:
                data = s.recv(4096)
                outcome = ("answered:" + data.split(b"\r\n", 1)[0].decode(errors="replace").replace(" ", "_")) if data else "closed"
            except OSError:
                outcome = "reset"
            break
    print(f"{time.monotonic() - t0:.1f} {outcome}")
    s.close()


if __name__ == "__main__":
    mode, port = sys.argv[1], int(sys.argv[2])
    rest = [int(a) for a in sys.argv[3:]]
    (hold if mode == "hold" else trickle)(port, *rest)
