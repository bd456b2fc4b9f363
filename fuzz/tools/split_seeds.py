#!/usr/bin/env python3
"""Turns recorded HTTP traffic (record_proxy.py) into seeds for every fuzz target.

Usage: split_seeds.py TRAFFIC_DIR SEEDS_DIR
Seeds are named by the SHA-1 of their content (as libFuzzer names corpus files), so
re-running adds nothing twice. At most MAX_PER_TARGET seeds per target are kept (the
smallest first), so the corpora stay small enough to commit and to replay in the tests.
"""
import base64
import glob
import hashlib
import json
import os
import sys

traffic, seeds = sys.argv[1], sys.argv[2]
MAX_PER_TARGET = 250
ROUTING = ("mcp-protocol-version", "mcp-method", "mcp-name", "mcp-session-id", "last-event-id")
found = {}


def add(target, data):
    if isinstance(data, str):
        data = data.encode()
    found.setdefault(target, set()).add(bytes(data))


def parse_messages(stream, is_request):
    """Splits an HTTP/1.1 byte stream into (start line, headers, body) triples."""
    out = []
    while stream:
        head_end = stream.find(b"\r\n\r\n")
        if head_end < 0:
            break
        head = stream[:head_end].decode("latin-1").split("\r\n")
        rest = stream[head_end + 4:]
        headers = []
        for line in head[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers.append((k.strip().lower(), v.strip()))
        h = dict(headers)
        raw_end = None
        if "content-length" in h:
            n = int(h["content-length"])
            body, raw_end = rest[:n], n
        elif h.get("transfer-encoding", "").lower() == "chunked":
            body, pos = b"", 0
            while True:
                line_end = rest.find(b"\r\n", pos)
                if line_end < 0:
                    raw_end = len(rest)
                    break
                size = int(rest[pos:line_end].split(b";")[0] or b"0", 16)
                pos = line_end + 2
                if size == 0:
                    raw_end = rest.find(b"\r\n", pos) + 2 if rest.find(b"\r\n", pos) >= 0 else len(rest)
                    break
                body += rest[pos:pos + size]
                pos += size + 2
        elif is_request:
            body, raw_end = b"", 0
        else:
            body, raw_end = rest, len(rest)
        raw = stream[:head_end + 4 + raw_end]
        out.append((head[0], headers, body, raw))
        stream = stream[head_end + 4 + raw_end:]
    return out


def sse_data(body):
    text = body.decode("utf-8", "replace").replace("\r\n", "\n")
    for block in text.split("\n\n"):
        data = [l[5:].lstrip(" ") if l.startswith("data:") else None for l in block.split("\n")]
        data = [d for d in data if d is not None]
        if data:
            yield "\n".join(data)


initialize = None
requests = []
for c2s in sorted(glob.glob(f"{traffic}/*.c2s")):
    s2c = c2s[:-4] + ".s2c"
    reqs = parse_messages(open(c2s, "rb").read(), True)
    resps = parse_messages(open(s2c, "rb").read(), False) if os.path.exists(s2c) else []
    for start, headers, body, raw in reqs:
        if not start.startswith("POST"):
            continue
        add("jsonrpc_decode", body)
        try:
            msg = json.loads(body)
        except ValueError:
            continue
        if isinstance(msg, dict) and msg.get("method") == "initialize" and initialize is None:
            initialize = body
        requests.append((headers, body, msg))
        for k, v in headers:
            if k == "mcp-name" or k.startswith("mcp-param-"):
                add("header_value", v)
        p = msg.get("params") if isinstance(msg, dict) else None
        if isinstance(p, dict) and isinstance(p.get("requestState"), str):
            add("request_state", b"\x00" + p["requestState"].encode())
        if isinstance(p, dict) and isinstance(p.get("inputResponses"), dict):
            payload = {"m": "tools/call", "n": "t", "exp": 4102444800, "a": p["inputResponses"],
                       "s": {"round": 1}}
            add("request_state", b"\x01" + json.dumps(payload).encode())
            add("request_state", b"\x02" + json.dumps(p["inputResponses"]).encode() + b"\x00{}")
    for start, headers, body, raw in resps:
        add("client_http_reply", raw)
        ctype = dict(headers).get("content-type", "")
        if ctype.startswith("text/event-stream"):
            add("sse_decoder", b"\x07" + body)
            for d in sse_data(body):
                add("jsonrpc_decode", d)
        elif body.strip():
            add("jsonrpc_decode", body)

for headers, body, msg in requests:
    lines = []
    legacy = False
    for k, v in headers:
        if k in ROUTING or k.startswith("mcp-param-"):
            if k == "mcp-session-id":
                v, legacy = "$SESSION", True
            lines.append(f"{k}: {v}")
    one = ("\n".join(lines) + "\n\n").encode() + body if lines else body
    if legacy and initialize is not None:
        # A legacy request needs its session: initialize first, then the request.
        one = initialize + b"\n%%\n" + one
    add("server_request", one)
    add("server_request", b"x-fuzz-stdio: 1\n\n" + body)

# stdio: the request bodies as lines, with the line limit in the first byte.
bodies = [b for _, b, _ in requests]
for i in range(0, len(bodies), 5):
    add("stdio_lines", bytes([127]) + b"\n".join(bodies[i:i + 5]) + b"\n")
    add("stdio_lines", bytes([40]) + b"\r\n".join(bodies[i:i + 5]))

for target, items in found.items():
    d = os.path.join(seeds, target)
    os.makedirs(d, exist_ok=True)
    for data in sorted(items, key=len)[:MAX_PER_TARGET]:
        with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
            f.write(data)
    print(f"{target}: {min(len(items), MAX_PER_TARGET)} seeds (of {len(items)})")
