#!/usr/bin/env python3
"""Hand-written seeds for what recorded traffic rarely shows: sentinels, odd SSE framing,
broken HTTP replies, routed tools, task methods of both eras. Usage: extra_seeds.py SEEDS_DIR"""
import base64
import hashlib
import json
import os
import sys

seeds = sys.argv[1]
MODERN = "2026-07-28"
META = {"io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": {
            "extensions": {"io.modelcontextprotocol/tasks": {}}, "elicitation": {"form": {}}}}


def add(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(seeds, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def b64(s):
    return "=?base64?" + base64.b64encode(s.encode()).decode() + "?="


def modern(method, params, name=None, extra=None, id=1):
    params = dict(params)
    params["_meta"] = META
    h = [f"mcp-protocol-version: {MODERN}", f"mcp-method: {method}"]
    if name is not None:
        h.append(f"mcp-name: {name}")
    h += extra or []
    body = json.dumps({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
    return "\n".join(h) + "\n\n" + body


init = json.dumps({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
    "protocolVersion": "2025-11-25", "capabilities": {"elicitation": {}, "tasks": {}},
    "clientInfo": {"name": "fuzz", "version": "1"}}})


def legacy(method, params, id=1):
    return ("mcp-session-id: $SESSION\nmcp-protocol-version: 2025-11-25\n\n"
            + json.dumps({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))


# ---- server_request -------------------------------------------------------------------
sr = [
    modern("tools/call", {"name": "echo", "arguments": {"text": "hi"}}, "echo"),
    modern("tools/call", {"name": "routed", "arguments": {"region": "eu-west", "priority": 3}},
           "routed", ["mcp-param-region: eu-west", "mcp-param-priority: 3"]),
    modern("tools/call", {"name": "routed", "arguments": {"region": "ü ", "priority": 3}},
           "routed", [f"mcp-param-region: {b64('ü ')}", "mcp-param-priority: 03"]),
    modern("tools/call", {"name": "ask", "arguments": {}}, "ask"),
    modern("tools/call", {"name": "ask", "arguments": {}, "inputResponses": {
        "q": {"action": "accept", "content": {"ok": True}}}, "requestState": "e30.AAAA"}, "ask"),
    modern("tools/call", {"name": "task_ask", "arguments": {}}, "task_ask"),
    modern("tools/call", {"name": "task_done", "arguments": {}}, "task_done"),
    modern("tools/call", {"name": "task_fail", "arguments": {}}, "task_fail"),
    modern("tools/call", {"name": "task_ask", "arguments": {}}, "task_ask") + "\n%%\n" +
    modern("tasks/get", {"taskId": "x"}, "x", id=2) + "\n%%\n" +
    modern("tasks/update", {"taskId": "x", "inputResponses": {"q": {"action": "decline"}}}, "x", id=3)
    + "\n%%\n" + modern("tasks/cancel", {"taskId": "x"}, "x", id=4),
    modern("server/discover", {}),
    modern("subscriptions/listen", {"notifications": {"tasks": True}}),
    modern("prompts/get", {"name": "greet", "arguments": {"a": "b"}}, "greet"),
    modern("resources/read", {"uri": "file:///d/n.txt"}, "file:///d/n.txt"),
    modern("resources/read", {"uri": "file:///a.txt"}, b64("file:///a.txt")),
    modern("tools/list", {}),
    modern("tools/call", {"name": "echo", "arguments": {"text": "x"}}, "echo").replace(MODERN, "2099-01-01", 1),
    init + "\n%%\n" + legacy("tools/call", {"name": "task_ask", "arguments": {}, "task": {"ttl": 1000}})
    + "\n%%\n" + legacy("tasks/list", {}, 2) + "\n%%\n" + legacy("tasks/result", {"taskId": "x"}, 3),
    init + "\n%%\n" + legacy("tools/call", {"name": "ask", "arguments": {}}),
    init + "\n%%\n" + legacy("logging/setLevel", {"level": "debug"}) + "\n%%\n" + legacy("ping", {}, 2),
    "x-fuzz-stdio: 1\n\n" + init + "\n%%\nx-fuzz-stdio: 1\n\n" +
    json.dumps({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "echo", "arguments": {"text": "a"}}}),
    json.dumps({"jsonrpc": "2.0", "id": 9, "result": {}}),
    json.dumps({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1}}),
]
for s in sr:
    add("server_request", s)

# ---- header_value ---------------------------------------------------------------------
for s in ["get_weather", "  padded  ", b64("héllo"), b64(" lead"), "=?base64?***?=", "=?base64??=",
          "=?BASE64?aGk=?=", "a\tb", "file:///a b.txt", b64("=?base64?x?="), "\x7f"]:
    add("header_value", s)

# ---- sse_decoder (first byte: chunking) ----------------------------------------------
for s in [b"\x00data: {}\n\n", b"\x05id: 1\r\nretry: 500\r\ndata: a\r\ndata: b\r\n\r\n",
          b"\x03\xef\xbb\xbfdata: x\r\rid: 7\rdata\r\r", b"\x01: keep-alive\n\nevent: message\ndata: 1\n\n",
          b"\x02retry: 1x\nid: a\x00b\ndata:  two spaces\n\n", b"\x04data: partial"]:
    add("sse_decoder", s)

# ---- client_http_reply ----------------------------------------------------------------
disc = json.dumps({"jsonrpc": "2.0", "id": 1, "result": {"resultType": "complete",
    "supportedVersions": [MODERN], "capabilities": {"tools": {}},
    "serverInfo": {"name": "s", "version": "1"}}})
for s in [
    f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len(disc)}\r\n\r\n{disc}",
    "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\nid: 1\ndata: \n\nevent: message\ndata: " + disc + "\n\n",
    "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n5\r\ndata:\r\n0\r\n\r\n",
    "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n",
    "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":1,\"error\"",
    "HTTP/1.1 202 Accepted\r\n\r\n",
    "HTTP/1.1 200 OK\r\nmcp-session-id: \x01\r\ncontent-length: 2\r\n\r\n{}",
    "garbage\r\n\r\n",
]:
    add("client_http_reply", s)

# ---- request_state --------------------------------------------------------------------
for p in [{"m": "tools/call", "n": "t", "exp": 4102444800},
          {"m": "tools/call", "n": "t", "exp": 4102444800, "a": {"q": {"action": "accept", "content": {"ok": True}}}, "s": [1, 2]},
          {"m": "tools/call", "n": "t", "exp": 1},
          {"m": "tools/call", "n": "u", "exp": 4102444800, "a": "not a map"}]:
    add("request_state", b"\x01" + json.dumps(p).encode())
add("request_state", b"\x00abc.def")
add("request_state", b"\x00" + b"." * 3)
add("request_state", b"\x02{\"q\":{\"action\":\"decline\"}}\x00{\"k\":1}")

# ---- jsonrpc_decode -------------------------------------------------------------------
for s in ['[]', '{"jsonrpc":"2.0","id":null,"method":"x"}', '{"jsonrpc":"1.0","id":1,"method":"x"}',
          '{"jsonrpc":"2.0","id":1.5,"result":{}}', '{"jsonrpc":"2.0","error":{"code":-32700,"message":"x"}}',
          '{"jsonrpc":"2.0","id":"a","method":"tasks/get","params":{"taskId":"t"}}',
          '{"jsonrpc":"2.0","method":"notifications/tasks","params":{"taskId":"t","status":"completed"}}',
          '[' * 200]:
    add("jsonrpc_decode", s)

# ---- stdio_lines ----------------------------------------------------------------------
add("stdio_lines", b"\x7f" + json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}).encode() + b"\n\nnot json\r\n[1]\n")
add("stdio_lines", b"\x05{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n{}\n")
print("added the hand-written seeds")
