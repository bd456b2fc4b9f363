"""A deliberately faulty Tasks v1 (2025-11-25) client, standard library only: each mode breaks
one rule the checker's client mode grades, to prove those checks can fail (tests/client_mode.rs).

usage: python3 faulty_v1_client.py MODE URL
  status-retry      re-asks tasks/result for v1_task_tool after the pushed terminal
                    notifications/tasks/status (as a client that chokes on the notification)
  hosted-no-task    declares tasks.requests.sampling.createMessage (without the sampling
                    capability), then answers the task-augmented sampling/createMessage with a
                    plain CreateMessageResult
  hosted-bad-task   answers it with a CreateTaskResult, but tasks/get with another task's id and
                    no ttl, and tasks/result without the related-task _meta
  hosted-eager      hosts the task (working) but answers tasks/result at once with an error
                    instead of blocking, keeps it working in tasks/get, and pushes no
                    notifications/tasks/status
  hosted-ignore-cancel
                    (scenario tasks-v1-client-hosted-cancel) hosts the task of
                    v1_hosted_cancel_task but answers tasks/cancel with the task still working
                    (answers without cancelling), keeps it working in tasks/get, answers
                    tasks/result with an error, and pushes no notifications/tasks/status
"""

import json
import sys
import urllib.request

MODE, URL = sys.argv[1], sys.argv[2]
SESSION = None
NEXT = 0
TASK = {"taskId": "faulty-1", "status": "completed", "createdAt": "2026-01-01T00:00:00Z",
        "lastUpdatedAt": "2026-01-01T00:00:00Z", "ttl": 60000}
SAMPLE = {"role": "assistant", "content": {"type": "text", "text": "hi"}, "model": "faulty"}


def post(msg):
    global SESSION
    headers = {"Content-Type": "application/json",
               "Accept": "application/json, text/event-stream",
               "MCP-Protocol-Version": "2025-11-25"}
    if SESSION:
        headers["Mcp-Session-Id"] = SESSION
    req = urllib.request.Request(URL, json.dumps(msg).encode(), headers, method="POST")
    resp = urllib.request.urlopen(req, timeout=20)
    SESSION = resp.headers.get("mcp-session-id") or SESSION
    return resp


def events(resp):
    """Every JSON-RPC message of a JSON or SSE response body."""
    if "text/event-stream" not in resp.headers.get("content-type", ""):
        body = resp.read()
        if body.strip():
            yield json.loads(body)
        return
    data = []
    for raw in resp:
        line = raw.decode().rstrip("\r\n")
        if line.startswith("data:"):
            data.append(line[5:].lstrip())
        elif not line and data:
            yield json.loads("\n".join(data))
            data = []


def request(method, params):
    global NEXT
    NEXT += 1
    return post({"jsonrpc": "2.0", "id": NEXT, "method": method, "params": params})


def call(method, params):
    for m in events(request(method, params)):
        if "result" in m or "error" in m:
            return m
    return None


def answer(req):
    """The faulty answer to a request of the mock's."""
    method, params = req["method"], req.get("params", {})
    if MODE == "hosted-ignore-cancel":
        working = dict(TASK, status="working")
        if method == "sampling/createMessage":
            msg = {"result": {"task": working}}
        elif method in ("tasks/cancel", "tasks/get"):
            msg = {"result": working}
        else:
            msg = {"error": {"code": -32603, "message": "task faulty-1 has no result"}}
        post(dict({"jsonrpc": "2.0", "id": req["id"]}, **msg)).read()
        return
    if MODE == "hosted-eager":
        working = dict(TASK, status="working")
        if method == "sampling/createMessage":
            msg = {"result": {"task": working}}
        elif method == "tasks/get":
            msg = {"result": working}
        else:
            msg = {"error": {"code": -32602, "message": "task faulty-1 is not finished"}}
        post(dict({"jsonrpc": "2.0", "id": req["id"]}, **msg)).read()
        return
    if method == "sampling/createMessage":
        result = {"task": TASK} if MODE == "hosted-bad-task" else SAMPLE
    elif method == "tasks/get":
        result = {k: v for k, v in TASK.items() if k != "ttl"}
        result["taskId"] = "another-task"
    elif method == "tasks/result":
        result = dict(SAMPLE)
    else:
        result = {}
    post({"jsonrpc": "2.0", "id": req["id"], "result": result}).read()


caps = {"tasks": {"requests": {"sampling": {"createMessage": {}}}}} if MODE.startswith("hosted") else {}
if MODE in ("hosted-eager", "hosted-ignore-cancel"):
    caps["sampling"] = {}
call("initialize", {"protocolVersion": "2025-11-25", "capabilities": caps,
                    "clientInfo": {"name": "faulty-v1-client", "version": "0"}})
post({"jsonrpc": "2.0", "method": "notifications/initialized"}).read()
tool = {"status-retry": "v1_task_tool", "hosted-ignore-cancel": "v1_hosted_cancel_task"}.get(
    MODE, "v1_hosted_task")
created = call("tools/call", {"name": tool, "arguments": {}, "task": {"ttl": 60000}})
task_id = created["result"]["task"]["taskId"]
for m in events(request("tasks/result", {"taskId": task_id})):
    if m.get("method") == "notifications/tasks/status" and m["params"]["status"] == "completed" \
            and MODE == "status-retry":
        break  # choke on it, and ask again
    if "method" in m and "id" in m:
        answer(m)
    if "result" in m or "error" in m:
        break
if MODE == "status-retry":
    call("tasks/result", {"taskId": task_id})
