#!/usr/bin/python3
"""Load and archive checks for `tsign tsa serve` (issue 13). Python standard library only.

  tsa_load.py load --url URL --out FILE.jsonl [--clients 8] (--duration SEC | --count N)
                   [--save-dir DIR --save K] [--timeout SEC] [--ready FILE] [--stop-file FILE]
      CLIENTS threads POST RFC 3161 TimeStampReqs (SHA-256, a fresh random imprint each, certReq
      TRUE, no nonce) over keep-alive connections, for SEC seconds or N requests in all. One JSON
      line per request in FILE: {"status": 200|503|...|"error", "serial": int, "imprint": hex,
      "token": hex (the ContentInfo DER), "granted": bool, ...}. With --save-dir the first K
      granted replies are kept as DIR/<serial>.tsr (their imprint is in the JSON line).
      A connection error (the server was killed) is recorded as status "error"; the thread
      reconnects after 10 ms. --ready FILE: created when the first token arrives. --stop-file FILE:
      the clients stop once FILE exists.

  tsa_load.py check --db TSA.DB FILE.jsonl...
      Compares every token a client received (HTTP 200 with a granted token) with the archive
      (table tokens: serial; imprint and token when those columns exist) and prints one JSON
      object: counts by status, received tokens, serials received more than once, serials
      received but missing from the archive, imprint / token mismatches, duplicate archive serials.
"""
import argparse
import http.client
import json
import os
import sqlite3
import sys
import threading
import time
import urllib.parse

# TimeStampReq ::= SEQUENCE { version 1, MessageImprint { sha256 (with NULL), OCTET STRING(32) },
#                             certReq TRUE }   -- no policy, no nonce
_REQ_HEAD = bytes.fromhex("3039020101" "3031" "300d06096086480165030402010500" "0420")
_REQ_TAIL = bytes.fromhex("0101ff")


def make_query(digest: bytes) -> bytes:
    assert len(digest) == 32
    return _REQ_HEAD + digest + _REQ_TAIL


def _tlv(b: bytes, i: int):
    """(tag, start of contents, end of contents) of the DER element at b[i]."""
    tag = b[i]
    n = b[i + 1]
    i += 2
    if n & 0x80:
        k = n & 0x7F
        if k == 0 or k > 4:
            raise ValueError("unsupported length")
        n = int.from_bytes(b[i:i + k], "big")
        i += k
    if i + n > len(b):
        raise ValueError("truncated")
    return tag, i, i + n


def _children(b: bytes, start: int, end: int):
    out = []
    i = start
    while i < end:
        tag, s, e = _tlv(b, i)
        out.append((tag, i, s, e))
        i = e
    return out


def parse_reply(der: bytes) -> dict:
    """PKIStatus; when a token is present: its serial, imprint (hex) and the ContentInfo DER."""
    tag, s, e = _tlv(der, 0)
    if tag != 0x30:
        raise ValueError("not a SEQUENCE")
    parts = _children(der, s, e)
    st_tag, _, st_s, st_e = parts[0]
    st = _children(der, st_s, st_e)
    status = int.from_bytes(der[st[0][2]:st[0][3]], "big", signed=True)
    out = {"pkistatus": status, "granted": False}
    if len(parts) < 2:
        return out
    _, ci_at, ci_s, ci_e = parts[1]
    ci = _children(der, ci_s, ci_e)                       # contentType, [0] content
    sd_tag, sd_at, sd_s, sd_e = _children(der, ci[1][2], ci[1][3])[0]   # SignedData
    sd = _children(der, sd_s, sd_e)                       # version, digestAlgorithms, encapContentInfo, ...
    enc = _children(der, sd[2][2], sd[2][3])              # eContentType, [0] eContent
    oc = _children(der, enc[1][2], enc[1][3])[0]          # OCTET STRING: TSTInfo
    tst = der[oc[2]:oc[3]]
    _, t_s, t_e = _tlv(tst, 0)
    f = _children(tst, t_s, t_e)                          # version, policy, messageImprint, serialNumber, genTime
    mi = _children(tst, f[2][2], f[2][3])
    imprint = tst[mi[1][2]:mi[1][3]]
    serial = int.from_bytes(tst[f[3][2]:f[3][3]], "big", signed=True)
    out.update(granted=True, serial=serial, imprint=imprint.hex(), token=der[ci_at:ci_e].hex())
    return out


def cmd_load(a) -> int:
    u = urllib.parse.urlsplit(a.url)
    host, port, path = u.hostname, u.port or 80, u.path or "/"
    deadline = time.monotonic() + a.duration if a.duration else None
    lock = threading.Lock()
    state = {"issued": 0, "saved": 0}
    results = []
    if a.save_dir:
        os.makedirs(a.save_dir, exist_ok=True)

    def take() -> bool:
        if a.stop_file and os.path.exists(a.stop_file):
            return False
        with lock:
            if a.count is not None and state["issued"] >= a.count:
                return False
            state["issued"] += 1
            return True

    def worker():
        conn = None
        mine = []
        while (deadline is None or time.monotonic() < deadline) and take():
            digest = os.urandom(32)
            rec = {"imprint": digest.hex()}
            t0 = time.monotonic()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(host, port, timeout=a.timeout)
                conn.request("POST", path, body=make_query(digest),
                             headers={"Content-Type": "application/timestamp-query"})
                resp = conn.getresponse()
                body = resp.read()
                rec["status"] = resp.status
                if resp.will_close:
                    conn.close()
                    conn = None
            except Exception as e:  # killed server, reset, timeout
                rec["status"] = "error"
                rec["error"] = f"{type(e).__name__}: {e}"
                if conn is not None:
                    conn.close()
                conn = None
                rec["ms"] = round((time.monotonic() - t0) * 1000, 2)
                mine.append(rec)
                time.sleep(0.01)
                continue
            rec["ms"] = round((time.monotonic() - t0) * 1000, 2)
            if rec["status"] == 200:
                try:
                    p = parse_reply(body)
                except Exception as e:
                    rec["parse_error"] = str(e)
                    rec["granted"] = False
                else:
                    sent = rec["imprint"]
                    rec.update(p)
                    if p.get("granted") and p["imprint"] != sent:
                        rec["wrong_imprint"] = sent
                    if p.get("granted") and a.ready and not state.get("ready"):
                        state["ready"] = True
                        open(a.ready, "w").close()
                    if p.get("granted") and a.save_dir:
                        with lock:
                            keep = state["saved"] < a.save
                            if keep:
                                state["saved"] += 1
                        if keep:
                            f = os.path.join(a.save_dir, f"{p['serial']}.tsr")
                            with open(f, "wb") as fh:
                                fh.write(body)
                            rec["reply_file"] = f
            else:
                rec["body"] = body[:200].decode("utf-8", "replace")
            mine.append(rec)
        if conn is not None:
            conn.close()
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(a.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open(a.out, "w") as fh:
        for r in results:
            fh.write(json.dumps(r) + "\n")
    counts = {}
    for r in results:
        counts[str(r["status"])] = counts.get(str(r["status"]), 0) + 1
    print(json.dumps({"requests": len(results), "status": counts}))
    return 0


def _norm_serial(v):
    if isinstance(v, int):
        return v
    if isinstance(v, bytes):
        return int.from_bytes(v, "big", signed=True)
    s = str(v).strip()
    if s.isdigit():
        return int(s)
    return int(s.removeprefix("0x").removeprefix("0X"), 16)


def cmd_check(a) -> int:
    recs = []
    for f in a.files:
        with open(f) as fh:
            for line in fh:
                if line.strip():
                    r = json.loads(line)
                    r["file"] = os.path.basename(f)
                    recs.append(r)
    status = {}
    for r in recs:
        status[str(r["status"])] = status.get(str(r["status"]), 0) + 1
    got = [r for r in recs if r["status"] == 200 and r.get("granted")]
    no_token_200 = sum(1 for r in recs if r["status"] == 200 and not r.get("granted"))
    wrong_imprint = [r["serial"] for r in got if "wrong_imprint" in r]
    seen, dup_received = {}, []
    for r in got:
        if r["serial"] in seen:
            dup_received.append(r["serial"])
        seen[r["serial"]] = r

    db = sqlite3.connect(a.db)
    cols = [row[1] for row in db.execute("PRAGMA table_info(tokens)")]
    sel = ["serial"] + [c for c in ("imprint", "token") if c in cols]
    archive, archive_dup = {}, []
    for row in db.execute(f"SELECT {', '.join(sel)} FROM tokens"):
        s = _norm_serial(row[0])
        if s in archive:
            archive_dup.append(s)
        archive[s] = dict(zip(sel, row))
    db.close()

    missing, imprint_mismatch, token_mismatch = [], [], []
    missing_by_file = {}
    for s, r in seen.items():
        row = archive.get(s)
        if row is None:
            missing.append(s)
            missing_by_file[r["file"]] = missing_by_file.get(r["file"], 0) + 1
            continue
        if "imprint" in row and row["imprint"] is not None and str(row["imprint"]).lower() != r["imprint"]:
            imprint_mismatch.append(s)
        if "token" in row and row["token"] is not None:
            blob = bytes(row["token"]) if not isinstance(row["token"], str) else row["token"].encode()
            if bytes.fromhex(r["token"]) not in blob:
                token_mismatch.append(s)
    print(json.dumps({
        "requests": len(recs), "status": status, "received": len(got), "distinct_received": len(seen),
        "dup_received": sorted(dup_received)[:20], "n_dup_received": len(dup_received),
        "ok_200_without_token": no_token_200, "wrong_imprint": wrong_imprint[:20],
        "archive_rows": len(archive), "archive_dup": sorted(archive_dup)[:20], "n_archive_dup": len(archive_dup),
        "missing": sorted(missing)[:20], "n_missing": len(missing),
        "missing_by_file": missing_by_file,
        "imprint_mismatch": sorted(imprint_mismatch)[:20], "n_imprint_mismatch": len(imprint_mismatch),
        "token_mismatch": sorted(token_mismatch)[:20], "n_token_mismatch": len(token_mismatch),
        "archive_columns": cols,
    }))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    l = sub.add_parser("load")
    l.add_argument("--url", required=True)
    l.add_argument("--out", required=True)
    l.add_argument("--clients", type=int, default=8)
    l.add_argument("--duration", type=float)
    l.add_argument("--count", type=int)
    l.add_argument("--timeout", type=float, default=5.0)
    l.add_argument("--save-dir")
    l.add_argument("--save", type=int, default=0)
    l.add_argument("--ready")
    l.add_argument("--stop-file")
    c = sub.add_parser("check")
    c.add_argument("--db", required=True)
    c.add_argument("files", nargs="+")
    a = ap.parse_args()
    if a.cmd == "load":
        if a.duration is None and a.count is None:
            ap.error("load needs --duration or --count")
        return cmd_load(a)
    return cmd_check(a)


if __name__ == "__main__":
    sys.exit(main())
