//! Storage faults (issue 13, item 5) with real files, permissions and file systems: a full
//! disk, a read-only file or file system, a database file deleted under the server, and
//! `--sync full`. Callers get a clear JSON-RPC error, never a panic, and no task is
//! acknowledged that was not stored.
//!
//! The full disk and the read-only file system are real: a small tmpfs, or a read-only bind
//! mount, in a private mount namespace (`unshare` from util-linux; as root, or in a user
//! namespace otherwise). Where the kernel does not allow that, those tests say so and skip.
//! (The database-server case waits for the PostgreSQL store.)

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{ServerGuard, is_root, request};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mcp-tasks-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `unshare` arguments for a private mount namespace this process may mount in, if the
/// system allows one.
fn mount_namespace() -> Result<Vec<&'static str>, String> {
    let args: Vec<&str> = if is_root() {
        vec!["-m", "--propagation", "private"]
    } else {
        vec!["-r", "-m", "--propagation", "private"]
    };
    let probe = Command::new("unshare")
        .args(&args)
        // Mounts over the temp dir inside the private namespace only.
        .args(["sh", "-c", "mount -t tmpfs -o size=1m tmpfs \"$0\" 2>&1"])
        .arg(std::env::temp_dir())
        .output();
    match probe {
        Ok(o) if o.status.success() => Ok(args),
        Ok(o) => Err(format!(
            "cannot mount in a private namespace: {}",
            String::from_utf8_lossy(&o.stdout).trim()
        )),
        Err(e) => Err(format!("unshare (util-linux) is not available: {e}")),
    }
}

fn skip(test: &str, why: &str) {
    eprintln!("SKIPPED {test}: {why}");
}

/// A tool call that should become a task: `Ok(task id)` or `Err(the JSON-RPC error)`.
fn try_create(addr: SocketAddr, seconds: f64, label: &str) -> Result<String, Value> {
    let r = request(
        addr,
        "tools/call",
        json!({"name": "slow_compute", "arguments": {"seconds": seconds, "label": label}}),
    );
    if let Some(e) = r.get("error") {
        return Err(e.clone());
    }
    assert_eq!(r["result"]["resultType"], "task", "{r}");
    Ok(r["result"]["taskId"].as_str().unwrap().to_string())
}

fn get(addr: SocketAddr, id: &str) -> Value {
    let r = request(addr, "tasks/get", json!({"taskId": id}));
    r.get("result")
        .cloned()
        .unwrap_or_else(|| panic!("tasks/get {id}: {r}"))
}

fn wait_completed(addr: SocketAddr, id: &str, label: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let t = get(addr, id);
        if t["status"] == "completed" {
            let text = t["result"]["content"][0]["text"].as_str().unwrap_or("");
            assert!(text.starts_with(&format!("Computed {label} in")), "{t}");
            return;
        }
        assert_ne!(t["status"], "failed", "{t}");
        assert!(Instant::now() < deadline, "task {id} never completed: {t}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The reference server on a 8 MiB tmpfs of its own, driven through a small shell that
/// can fill and free the file system and restart the server on the same database.
struct TmpfsServer {
    shell: Child,
    stdin: ChildStdin,
    replies: Receiver<String>,
    urls: Receiver<String>,
    log: Arc<Mutex<Vec<String>>>,
    pid: Option<u32>,
    addr: Option<SocketAddr>,
}

const TMPFS_SHELL: &str = r#"
dir="$1"; server="$2"
mount -t tmpfs -o size=8m tmpfs "$dir" || { echo "mount failed"; exit 1; }
echo ready
pid=
while read -r cmd; do
  case "$cmd" in
    start) "$server" --http 127.0.0.1:0 --store "sqlite:$dir/tasks.db" & pid=$!; echo "started $pid";;
    kill) kill -9 "$pid"; wait "$pid" 2>/dev/null; echo killed;;
    fill) cat /dev/zero > "$dir/filler" 2>/dev/null; echo "filled $(df -k "$dir" | tail -n 1)";;
    free) rm -f "$dir/filler"; echo freed;;
  esac
done
[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
"#;

impl TmpfsServer {
    fn start(ns: &[&str], dir: &Path) -> TmpfsServer {
        let mut shell = Command::new("unshare")
            .args(ns)
            .args(["sh", "-c", TMPFS_SHELL, "sh"])
            .arg(dir)
            .arg(env!("CARGO_BIN_EXE_mcp-tasks-server"))
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start unshare");
        let stdin = shell.stdin.take().unwrap();
        let (tx, replies) = channel();
        let out = shell.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let (utx, urls) = channel();
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        let err = shell.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on ").nth(1) {
                    let _ = utx.send(rest.split_whitespace().next().unwrap_or("").to_owned());
                }
                sink.lock().unwrap().push(line);
            }
        });
        let s = TmpfsServer {
            shell,
            stdin,
            replies,
            urls,
            log,
            pid: None,
            addr: None,
        };
        let ready = s.reply();
        assert_eq!(ready, "ready", "{}", s.log_text());
        s
    }

    fn reply(&self) -> String {
        self.replies
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("the shell did not answer: {}", self.log_text()))
    }

    fn command(&mut self, cmd: &str) -> String {
        writeln!(self.stdin, "{cmd}").unwrap();
        self.stdin.flush().unwrap();
        self.reply()
    }

    fn start_server(&mut self) -> SocketAddr {
        let r = self.command("start");
        self.pid = r.strip_prefix("started ").and_then(|p| p.parse().ok());
        let url = self
            .urls
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("the server did not start: {}", self.log_text()));
        let addr: SocketAddr = url
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        self.addr = Some(addr);
        addr
    }

    fn log_text(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }
}

impl Drop for TmpfsServer {
    fn drop(&mut self) {
        if let Some(pid) = self.pid.take() {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        }
        let _ = self.shell.kill();
        let _ = self.shell.wait();
    }
}

#[test]
fn a_full_disk_refuses_new_tasks_clearly_and_loses_none() {
    let ns = match mount_namespace() {
        Ok(ns) => ns,
        Err(why) => return skip("a_full_disk_refuses_new_tasks_clearly_and_loses_none", &why),
    };
    let dir = temp_dir("full-disk");
    let mut srv = TmpfsServer::start(&ns, &dir);
    let addr = srv.start_server();

    let before = try_create(addr, 0.1, "before").expect("created before the fault");
    wait_completed(addr, &before, "before");
    // Runs across the fault: its outcome is written once there is room again.
    let across = try_create(addr, 1.0, "across").expect("created before the fault");

    let filled = srv.command("fill");
    assert!(filled.starts_with("filled"), "{filled}");
    let mut acked = Vec::new();
    let mut refused = Vec::new();
    for i in 0..40 {
        match try_create(addr, 0.05, &format!("during-{i}")) {
            Ok(id) => acked.push((id, format!("during-{i}"))),
            Err(e) => refused.push(e),
        }
    }
    eprintln!(
        "full disk: {} creations acknowledged, {} refused; first refusal: {}",
        acked.len(),
        refused.len(),
        refused.first().unwrap_or(&Value::Null)
    );
    assert!(
        !refused.is_empty(),
        "the full disk refused no creation (acked {})",
        acked.len()
    );
    for e in &refused {
        assert_eq!(e["code"], -32603, "{e}");
        let msg = e["message"].as_str().unwrap_or_default();
        assert!(
            msg.contains("the task was not created") && msg.contains("full"),
            "a clear reason: {e}"
        );
    }
    // Reads still work.
    assert_eq!(get(addr, &before)["status"], "completed");

    assert_eq!(srv.command("free"), "freed");
    let after = try_create(addr, 0.05, "after").expect("created once there is room");
    wait_completed(addr, &after, "after");
    wait_completed(addr, &across, "across");
    for (id, label) in &acked {
        wait_completed(addr, id, label);
    }

    // Every acknowledged task is on disk: a new process on the same file has them all.
    assert_eq!(srv.command("kill"), "killed");
    let addr = srv.start_server();
    for (id, label) in acked.iter().chain(
        [
            (before, "before".to_string()),
            (across, "across".into()),
            (after, "after".into()),
        ]
        .iter(),
    ) {
        wait_completed(addr, id, label);
    }
    let log = srv.log_text();
    assert!(!log.contains("panicked"), "{log}");
    drop(srv);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_read_only_file_system_is_refused_at_start_with_a_clear_message() {
    let ns = match mount_namespace() {
        Ok(ns) => ns,
        Err(why) => {
            return skip(
                "a_read_only_file_system_is_refused_at_start_with_a_clear_message",
                &why,
            );
        }
    };
    let dir = temp_dir("ro-fs");
    let db = dir.join("tasks.db");
    let store = format!("sqlite:{}", db.display());
    {
        let server = ServerGuard::start_with(&["--store", &store]);
        let id = try_create(server.addr(), 0.01, "x").unwrap();
        wait_completed(server.addr(), &id, "x");
    }
    let out = Command::new("unshare")
        .args(&ns)
        .args([
            "sh",
            "-c",
            r#"mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && exec "$2" --http 127.0.0.1:0 --store "sqlite:$1/tasks.db""#,
            "sh",
        ])
        .arg(&dir)
        .arg(env!("CARGO_BIN_EXE_mcp-tasks-server"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "refused to start: {err}");
    assert!(
        err.contains(&db.display().to_string()),
        "names the file: {err}"
    );
    assert!(err.contains("Read-only file system"), "says why: {err}");
    assert!(!err.contains("panicked"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_read_only_database_file_is_refused_at_start_with_a_clear_message() {
    let dir = temp_dir("ro-file");
    let db = dir.join("tasks.db");
    let store = format!("sqlite:{}", db.display());
    {
        let server = ServerGuard::start_with(&["--store", &store]);
        let id = try_create(server.addr(), 0.01, "x").unwrap();
        wait_completed(server.addr(), &id, "x");
    }
    let status = Command::new("chmod").arg("0444").arg(&db).status().unwrap();
    assert!(status.success());
    let server = env!("CARGO_BIN_EXE_mcp-tasks-server");
    let mut cmd = if is_root() {
        // Root writes through file permissions: run the server as `nobody`, in a directory
        // it may write (the lock file), on a database file it may only read.
        let status = Command::new("chmod")
            .arg("0777")
            .arg(&dir)
            .status()
            .unwrap();
        assert!(status.success());
        // The previous owner's lock file (root's) stays behind; the WAL files may be shared.
        std::fs::remove_file(dir.join("tasks.db.lock")).unwrap();
        for f in ["tasks.db-wal", "tasks.db-shm"] {
            let _ = Command::new("chmod").arg("0666").arg(dir.join(f)).status();
        }
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", server]);
        c
    } else {
        Command::new(server)
    };
    let out = match cmd
        .args(["--http", "127.0.0.1:0", "--store", &store])
        .stdin(Stdio::null())
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dir);
            return skip(
                "a_read_only_database_file_is_refused_at_start_with_a_clear_message",
                &format!("cannot run the server as another user (setpriv): {e}"),
            );
        }
    };
    let err = String::from_utf8_lossy(&out.stderr);
    if is_root() && err.contains("setpriv") {
        let _ = std::fs::remove_dir_all(&dir);
        return skip(
            "a_read_only_database_file_is_refused_at_start_with_a_clear_message",
            &format!("cannot run the server as another user: {err}"),
        );
    }
    assert!(!out.status.success(), "refused to start: {err}");
    assert!(
        err.contains(&db.display().to_string()),
        "names the file: {err}"
    );
    assert!(err.contains("not writable"), "says why: {err}");
    assert!(!err.contains("panicked"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_database_file_deleted_under_the_server_refuses_writes_instead_of_losing_them() {
    let dir = temp_dir("deleted-db");
    let db = dir.join("tasks.db");
    let store = format!("sqlite:{}", db.display());
    let server = ServerGuard::start_with(&["--store", &store]);
    let addr = server.addr();
    let before = try_create(addr, 0.05, "before").unwrap();
    wait_completed(addr, &before, "before");
    std::fs::remove_file(&db).unwrap();
    // Writing on would commit into a file no later process opens: refuse instead.
    let e = try_create(addr, 0.05, "after").expect_err("no task is acknowledged");
    assert_eq!(e["code"], -32603, "{e}");
    let msg = e["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("was deleted or replaced") && msg.contains("the task was not created"),
        "{e}"
    );
    // Reads are still answered, and nothing panicked.
    assert_eq!(get(addr, &before)["status"], "completed");
    assert!(
        !server.log_text().contains("panicked"),
        "{}",
        server.log_text()
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sync_full_keeps_every_acknowledged_task_across_kill_9() {
    let dir = temp_dir("sync-full");
    let store = format!("sqlite:{}", dir.join("tasks.db").display());
    let args = ["--store", &store, "--sync", "full"];
    let server = ServerGuard::start_with(&args);
    let ids: Vec<String> = (0..20)
        .map(|i| try_create(server.addr(), 0.01, &format!("t{i}")).unwrap())
        .collect();
    for (i, id) in ids.iter().enumerate() {
        wait_completed(server.addr(), id, &format!("t{i}"));
    }
    drop(server); // SIGKILL
    let server = ServerGuard::start_with(&args);
    for (i, id) in ids.iter().enumerate() {
        wait_completed(server.addr(), id, &format!("t{i}"));
    }
    drop(server);
    // An unknown mode is a clear start-up error.
    let out = Command::new(env!("CARGO_BIN_EXE_mcp-tasks-server"))
        .args(["--store", &store, "--sync", "sometimes"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("use normal or full"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
