//! Smoke test of `mcp-tasks-bench serve`, the server process the race and the curves start:
//! each store answers a real `tasks/get` over a real socket for a task it was preloaded with.
//! No timing is asserted (figures belong to the bench, not to tests).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use mcp_tasks_server::task::store::postgres::testdb::TestDb;

/// A `serve` process, killed when dropped.
struct Served {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(args: &[&str], ids_out: &Path) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mcp-tasks-bench"))
        .arg("serve")
        .args(args)
        .args(["--preload", "3", "--ids-out"])
        .arg(ids_out)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start mcp-tasks-bench serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read the listening line");
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("not a listening line: {line:?}"));
    Served { child, addr }
}

/// One 2026-07-28 `tasks/get` over a fresh connection; returns the status line and body.
fn tasks_get(addr: SocketAddr, id: &str) -> (String, String) {
    let body = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "tasks/get",
        "params": {"taskId": id, "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities":
                {"extensions": {"io.modelcontextprotocol/tasks": {}}}}}})
    .to_string();
    let req = format!(
        "POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2026-07-28\r\n\
         Mcp-Method: tasks/get\r\nMcp-Name: {id}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let mut s = TcpStream::connect(addr).expect("connect");
    s.write_all(req.as_bytes()).expect("send");
    let mut answer = String::new();
    s.read_to_string(&mut answer).expect("read");
    let (head, body) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
    (
        head.lines().next().unwrap_or_default().to_owned(),
        body.to_owned(),
    )
}

fn answers_a_preloaded_task(args: &[&str], tag: &str) {
    let ids_out = std::env::temp_dir().join(format!(
        "mcp-tasks-bench-serve-{tag}-{}.json",
        std::process::id()
    ));
    let served = serve(args, &ids_out);
    let ids: Vec<String> =
        serde_json::from_slice(&std::fs::read(&ids_out).expect("ids written")).expect("JSON ids");
    let _ = std::fs::remove_file(&ids_out);
    assert_eq!(ids.len(), 3, "every preloaded task's id is written");
    let (status, body) = tasks_get(served.addr, &ids[0]);
    assert!(status.contains(" 200 "), "{status}: {body}");
    assert!(body.contains(&ids[0]), "{body}");
    assert!(body.contains("\"completed\""), "a finished task: {body}");
}

#[test]
fn serve_memory_answers_tasks_get_of_a_preloaded_task() {
    answers_a_preloaded_task(&["memory"], "memory");
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_postgres_answers_tasks_get_of_a_preloaded_task() {
    let Some(db) = TestDb::create("benchserve").await else {
        return;
    };
    let url = db.url.clone();
    tokio::task::spawn_blocking(move || {
        answers_a_preloaded_task(&["postgres", "--db-url", &url], "pg")
    })
    .await
    .expect("the test body");
}
