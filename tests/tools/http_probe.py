#!/usr/bin/python3
"""Raw-socket HTTP/1.1 probes for tests/cli/test_http_server.sh (issue 13). Standard library only.

Each subcommand prints one result line (metrics without NAME: one name per line) and exits 0 when it
saw what a correct server gives, 1 otherwise; the shell test checks the printed line. Every socket
has a timeout and every loop a deadline, so no probe hangs.

  pipeline HOST PORT            3 requests in one write (/healthz /metrics /healthz): "ok 200 200 200"
  keepalive HOST PORT [-n N]    N requests on one connection: "ok N"
  raw HOST PORT HEX|@FILE       send bytes: "STATUS eof|open" (did the server close after it), "closed"
  trickle HOST PORT             one head byte per --interval: "STATUS SECONDS" when the server ends it
  slowloris HOST PORT N SECS    N connections trickling 1 byte/s while 50 normal requests are timed
  halfopen HOST PORT N          N connections holding half a request head while 50 requests are timed
  idleflood HOST PORT N         N idle connections, then a new client: "new=STATUS closed=K oldest_first=yes|no
                                newest=open|closed" (oldest_first: the closed ones are the K opened first)
  full HOST PORT N              N connections with a body pending (not idle), then a new client
  chunked HOST PORT SIZE        a chunked POST of SIZE bytes: "STATUS sent=BYTES"
  metrics HOST PORT [NAME L=V]  parse GET /metrics (Prometheus text 0.0.4); print the sample names, or
                                the sum of NAME's samples whose labels match ("absent" if none)
Timed probes print "p50=MS p99=MS failed=N ..." and fail when p99 > 1000 ms or a request failed.
A normal request is GET /healthz, or with --post FILE [--ctype TYPE] a POST of FILE to /."""
import argparse
import re
import selectors
import socket
import sys
import threading
import time

TIMEOUT = 3.0
ERRORS = (OSError, EOFError, ValueError)

def connect(host, port, timeout=TIMEOUT):
    s = socket.create_connection((host, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s

def request(method, target, body=b"", ctype=None):
    head = f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    head += f"Content-Type: {ctype}\r\n" if ctype else ""
    head += f"Content-Length: {len(body)}\r\n" if body or method == "POST" else ""
    return head.encode() + b"\r\n" + body

class Response:
    def __init__(self, status, headers):
        self.status, self.headers, self.body = status, headers, b""  # headers: lower-case name -> value

    def closes(self):
        return "close" in self.headers.get("connection", "").lower()

class Reader:
    """Reads responses off one socket: Content-Length, chunked, or up to EOF."""

    def __init__(self, sock):
        self.s, self.buf = sock, b""

    def _fill(self):
        data = self.s.recv(65536)
        if not data:
            raise EOFError("closed by the server")
        self.buf += data

    def _until(self, sep):
        while sep not in self.buf:
            if len(self.buf) > 1 << 20:
                raise ValueError("response head too long")
            self._fill()
        out, _, self.buf = self.buf.partition(sep)
        return out

    def _exact(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def response(self):
        lines = self._until(b"\r\n\r\n").decode("latin-1").split("\r\n")
        headers = {}
        for k, _, v in (line.partition(":") for line in lines[1:]):
            k = k.strip().lower()
            headers[k] = headers[k] + "," + v.strip() if k in headers else v.strip()
        r = Response(int(lines[0].split(" ", 2)[1]), headers)
        if r.status in (204, 304) or r.status < 200:
            return r
        if "chunked" in r.headers.get("transfer-encoding", "").lower():
            while (n := int(self._until(b"\r\n").split(b";")[0], 16)) > 0:
                r.body += self._exact(n)
                self._exact(2)
            while self._until(b"\r\n"):  # trailers, up to the empty line
                pass
        elif "content-length" in r.headers:
            r.body = self._exact(int(r.headers["content-length"]))
        else:
            try:
                while True:
                    self._fill()
            except EOFError:
                r.body, self.buf = self.buf, b""
        return r

def readable(s, wait):
    """The server sent something (an answer, EOF or a reset) within wait seconds."""
    with selectors.DefaultSelector() as sel:
        sel.register(s, selectors.EVENT_READ)
        return bool(sel.select(wait))

def closed_by_server(s, wait):
    """True when the server closes s (EOF or reset) within wait seconds."""
    deadline = time.monotonic() + wait
    try:
        while time.monotonic() < deadline:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            if not s.recv(65536):
                return True
    except socket.timeout:
        return False
    except OSError:
        return True
    return False

def exchange(host, port, data):
    with connect(host, port) as s:
        s.sendall(data)
        return Reader(s).response()

def normal_request(a):
    return request("POST", "/", open(a.post, "rb").read(), a.ctype) if a.post else request("GET", "/healthz")

def timed(a, n=50, budget=12.0):
    """n normal requests, each on a new connection: (latencies in ms, failures)."""
    data, lat, failed, deadline = normal_request(a), [], 0, time.monotonic() + budget
    for _ in range(n):
        t0 = time.monotonic()
        try:
            ok = t0 < deadline and exchange(a.host, a.port, data).status == 200
        except ERRORS:
            ok = False
        if ok:
            lat.append((time.monotonic() - t0) * 1000)
        failed += not ok
    return lat, failed

def report(lat, failed, extra):
    lat.sort()
    pct = lambda p: lat[max(0, -(-len(lat) * p // 100) - 1)] if lat else float("inf")
    print(f"p50={pct(50):.1f} p99={pct(99):.1f} failed={failed} {extra}")
    return 0 if failed == 0 and pct(99) <= 1000 else 1

def cmd_pipeline(a):
    reqs = [("/healthz", b"ok\n"), ("/metrics", b"tsign_http"), ("/healthz", b"ok\n")]
    with connect(a.host, a.port) as s:
        s.sendall(b"".join(request("GET", t) for t, _ in reqs))
        rd = Reader(s)
        for i, (target, want) in enumerate(reqs):
            try:
                r = rd.response()
            except ERRORS as e:
                print(f"failed after {i} answers: {e}")
                return 1
            if r.status != 200 or (r.body != want if target == "/healthz" else want not in r.body):
                print(f"answer {i + 1} ({target}) wrong: {r.status} {r.body[:40]!r}")
                return 1
    print("ok 200 200 200")
    return 0

def cmd_keepalive(a):
    with connect(a.host, a.port) as s:
        rd = Reader(s)
        for i in range(a.n):
            try:
                s.sendall(request("GET", "/healthz"))
                r = rd.response()
            except ERRORS as e:
                print(f"failed after {i} answers: {e}")
                return 1
            if r.status != 200 or r.body != b"ok\n" or r.closes():
                print(f"answer {i + 1}: {r.status} {r.body[:20]!r} connection={r.headers.get('connection')}")
                return 1
    print(f"ok {a.n}")
    return 0

def cmd_raw(a):
    data = open(a.spec[1:], "rb").read() if a.spec.startswith("@") else bytes.fromhex(a.spec)
    with connect(a.host, a.port) as s:
        try:
            s.sendall(data)
        except OSError:
            pass  # the server may answer and close before it read everything
        try:
            r = Reader(s).response()
        except socket.timeout:
            print("timeout")
            return 1
        except ERRORS:
            print("closed")
            return 1
        print(f"{r.status} {'eof' if closed_by_server(s, a.wait) else 'open'}")
    return 0

def cmd_trickle(a):
    data = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 10000
    with connect(a.host, a.port) as s:
        t0 = time.monotonic()
        for i in range(len(data)):
            if time.monotonic() - t0 > a.max:
                print(f"open {time.monotonic() - t0:.2f}")
                return 1
            try:
                s.sendall(data[i:i + 1])
            except OSError:
                pass
            if readable(s, a.interval):
                break
        elapsed = time.monotonic() - t0
        try:
            status = Reader(s).response().status
        except ERRORS:
            status = "closed"
    print(f"{status} {elapsed:.2f}")
    return 0

def cmd_slowloris(a):
    stop, reopened = threading.Event(), [0]
    head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 100000

    def attacker():  # one byte a second on each connection; one the server closed is opened again
        conns, end = [None] * a.n, time.monotonic() + a.seconds  # [socket, bytes sent]
        while not stop.is_set() and time.monotonic() < end:
            for i, c in enumerate(conns):
                try:
                    if c is None or readable(c[0], 0):
                        if c is not None:
                            c[0].close()
                            reopened[0] += 1
                        c = conns[i] = [connect(a.host, a.port, 1.0), 0]
                    c[0].sendall(head[c[1]:c[1] + 1])
                    c[1] += 1
                except OSError:
                    conns[i] = None
            stop.wait(1.0)
        for c in filter(None, conns):
            c[0].close()

    t = threading.Thread(target=attacker, daemon=True)
    t.start()
    time.sleep(1.5)  # every trickling connection has sent its first bytes
    lat, failed = timed(a, budget=max(1.0, a.seconds - 1.5))
    stop.set()
    t.join(3)
    return report(lat, failed, f"trickling={a.n} reopened={reopened[0]}")

def open_many(host, port, n, payload, budget=4.0):
    """n connections opened at once (non-blocking), each sent payload: the ones that connected."""
    sel, socks, deadline = selectors.DefaultSelector(), [], time.monotonic() + budget
    for _ in range(n):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex((host, port))
        sel.register(s, selectors.EVENT_WRITE)
    while len(socks) < n and time.monotonic() < deadline:
        for key, _ in sel.select(max(0.01, deadline - time.monotonic())):
            s = key.fileobj
            sel.unregister(s)
            try:
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0 and s.send(payload):
                    socks.append(s)
                    continue
            except OSError:
                pass
            s.close()
    sel.close()
    return socks

def cmd_halfopen(a):
    held = open_many(a.host, a.port, a.n, b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl")
    lat, failed = timed(a)
    still = sum(not closed_by_server(s, 0.001) for s in held)
    return report(lat, failed, f"held={len(held)} still_open={still}")

def cmd_idleflood(a):
    conns = []
    for _ in range(a.n):
        try:
            s = connect(a.host, a.port, 1.0)
            if not a.fresh:  # keep-alive idle: one request answered, then nothing
                s.sendall(request("GET", "/healthz"))
                Reader(s).response()
            else:
                time.sleep(0.01)  # "oldest" by more than a scheduling race
            conns.append(s)
        except ERRORS:
            conns.append(None)
    time.sleep(0.2)
    try:
        status = exchange(a.host, a.port, request("GET", "/healthz")).status
    except ERRORS:
        status = "closed"
    time.sleep(0.3)
    closed = [c is None or closed_by_server(c, 0.01) for c in conns]
    oldest_first = "yes" if closed == sorted(closed, reverse=True) and closed[0] else "no"  # a prefix of the list
    print(f"new={status} closed={sum(closed)} oldest_first={oldest_first} newest={'closed' if closed[-1] else 'open'}")
    return 0 if status == 200 else 1

def cmd_full(a):
    pending = (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/timestamp-query\r\n"
               b"Content-Length: 1000\r\n\r\n" + b"0" * 10)
    held = open_many(a.host, a.port, a.n, pending)
    time.sleep(0.3)
    try:
        r = exchange(a.host, a.port, request("GET", "/healthz"))
        print(f"{r.status} {'close' if r.closes() else 'keep-alive'} held={len(held)}")
    except ERRORS:
        print(f"closed held={len(held)}")
    return 0

def cmd_chunked(a):
    with connect(a.host, a.port) as s:
        s.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/timestamp-query\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n")
        piece = b"0" * 65536
        chunk = b"%x\r\n" % len(piece) + piece + b"\r\n"
        sent, deadline = 0, time.monotonic() + 30
        try:
            while sent < a.size and time.monotonic() < deadline and not readable(s, 0):
                s.sendall(chunk)
                sent += len(piece)
            if sent >= a.size:
                s.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # refused in the middle of the body: read the answer
        try:
            status = Reader(s).response().status
        except ERRORS:
            status = "closed"
    print(f"{status} sent={sent}")
    return 0

# --- Prometheus text format 0.0.4 ---
NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
SAMPLE = re.compile(rf"^({NAME})(?:\{{(.*)\}})?[ \t]+(\S+)(?:[ \t]+-?\d+)?$")
PAIR = re.compile(r'[ \t]*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"[ \t]*(,|$)')
VALUE = re.compile(r"^[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|Inf)$|^NaN$")
HELP_TYPE = re.compile(rf"^# (HELP ({NAME})( .*)?|TYPE ({NAME}) (counter|gauge|histogram|summary|untyped))$")

def parse_labels(text):
    labels, pos = {}, 0
    while pos < len(text):
        m = PAIR.match(text, pos)
        if not m or m.group(1) in labels:
            raise ValueError(f"bad or repeated label at '{text[pos:]}'")
        labels[m.group(1)] = m.group(2)
        pos = m.end()
    return labels

def parse_metrics(text):
    """[(name, labels, value)]; ValueError on a format error. A family's lines must form one group."""
    types, described, samples, series, done, current = {}, set(), [], set(), set(), None

    def family(name):
        for suffix in ("_bucket", "_sum", "_count"):
            if name.endswith(suffix) and types.get(name[: -len(suffix)]) in ("histogram", "summary"):
                return name[: -len(suffix)]
        return name

    for no, line in enumerate(text.split("\n"), 1):
        try:
            if not line.strip() or (line.startswith("#") and not re.match(r"^# (HELP|TYPE) ", line)):
                continue  # a blank line or a plain comment
            if line.startswith("#"):
                m = HELP_TYPE.match(line)
                if not m:
                    raise ValueError("malformed HELP/TYPE line")
                kind, name = line[2:6], m.group(2) or m.group(4)
                if (kind, name) in described or name in done or name == current:
                    raise ValueError(f"{kind} for {name} repeated or after its samples")
                described.add((kind, name))
                if kind == "TYPE":
                    types[name] = m.group(5)
                continue
            m = SAMPLE.match(line)
            if not m or not VALUE.match(m.group(3)):
                raise ValueError("not 'name{labels} value'")
            name, labels, value = m.group(1), parse_labels(m.group(2) or ""), float(m.group(3))
            if family(name) != current:
                if family(name) in done:
                    raise ValueError(f"samples of {family(name)} not in one group")
                done.add(current)
                current = family(name)
            if (name, tuple(sorted(labels.items()))) in series:
                raise ValueError(f"series {name}{labels} repeated")
            series.add((name, tuple(sorted(labels.items()))))
            if types.get(current) == "counter" and value < 0:
                raise ValueError(f"counter {name} is negative")
            samples.append((name, labels, value))
        except ValueError as e:
            raise ValueError(f"line {no}: {e}: {line[:120]!r}") from None
    for fam in (f for f, t in types.items() if t == "histogram"):
        check_histogram(fam, samples)
    return samples

def check_histogram(fam, samples):
    """Per label set: buckets with a numeric le, cumulative, +Inf bucket == _count, a _sum."""
    groups = {}
    for name, labels, value in samples:
        if name in (fam + "_bucket", fam + "_sum", fam + "_count"):
            g = groups.setdefault(tuple(sorted((k, v) for k, v in labels.items() if k != "le")), {"b": []})
            if name.endswith("_bucket"):
                if not VALUE.match(labels.get("le", "")):
                    raise ValueError(f"{fam}_bucket without a numeric le")
                g["b"].append((float(labels["le"]), value))
            else:
                g[name[len(fam) + 1:]] = value
    if not groups:
        raise ValueError(f"histogram {fam} has no samples")
    for rest, g in groups.items():
        b, where = sorted(g["b"]), f"histogram {fam}{dict(rest)}"
        if not b or b[-1][0] != float("inf") or "count" not in g or "sum" not in g:
            raise ValueError(f"{where}: needs a +Inf bucket, _sum and _count")
        if any(b[i][1] > b[i + 1][1] for i in range(len(b) - 1)):
            raise ValueError(f"{where}: buckets not cumulative")
        if b[-1][1] != g["count"]:
            raise ValueError(f"{where}: +Inf bucket {b[-1][1]:g} != _count {g['count']:g}")

def cmd_metrics(a):
    r = exchange(a.host, a.port, request("GET", "/metrics"))
    if r.status != 200:
        raise ValueError(f"GET /metrics: HTTP {r.status}")
    try:
        samples = parse_metrics(r.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        print(f"parse error: {e}")
        return 1
    if not a.name:
        print("\n".join(sorted({s[0] for s in samples})))
        return 0
    want = dict(f.split("=", 1) for f in a.labels)
    found = [v for n, l, v in samples if n == a.name and all(l.get(k) == w for k, w in want.items())]
    print(f"{sum(found):.6f}".rstrip("0").rstrip(".") if found else "absent")
    return 0 if found else 1

ARGS = {"raw": [("spec", str)], "slowloris": [("n", int), ("seconds", float)], "halfopen": [("n", int)],
        "idleflood": [("n", int)], "full": [("n", int)], "chunked": [("size", int)], "metrics": [("name", "?"), ("labels", "*")]}

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    for cmd in [n[4:] for n in globals() if n.startswith("cmd_")]:
        sp = sub.add_parser(cmd)
        sp.add_argument("host")
        sp.add_argument("port", type=int)
        for name, kind in ARGS.get(cmd, []):
            sp.add_argument(name, **({"nargs": kind} if isinstance(kind, str) else {"type": kind}))
        sp.add_argument("-n", type=int, default=10, help="keepalive: requests on the connection")
        sp.add_argument("--wait", type=float, default=1.0, help="raw: how long to wait for the server to close")
        sp.add_argument("--interval", type=float, default=0.5, help="trickle: seconds between bytes")
        sp.add_argument("--max", type=float, default=10.0, help="trickle: give up after that many seconds")
        sp.add_argument("--fresh", action="store_true", help="idleflood: connect and send nothing")
        sp.add_argument("--post", help="timed probes: POST this file instead of GET /healthz")
        sp.add_argument("--ctype", default="application/octet-stream", help="with --post: its Content-Type")
    a = p.parse_args()
    socket.setdefaulttimeout(TIMEOUT)
    try:
        return globals()["cmd_" + a.cmd](a)
    except ERRORS as e:
        print(f"error: {type(e).__name__}: {e}")
        return 1

if __name__ == "__main__":
    sys.exit(main())
