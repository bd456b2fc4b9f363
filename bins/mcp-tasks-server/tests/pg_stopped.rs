//! Storage faults on a database server (issue 13, item 5): the PostgreSQL server behind
//! `--store postgres://…` is really stopped (`pg_ctl stop -m immediate`, as a crash would)
//! while `mcp-tasks-server` runs. Callers get a clear JSON-RPC error within the pool's
//! acquire timeout, never a hang, a panic or an acknowledged task that was not stored; once
//! the database is back, the same process serves again and every task it acknowledged is
//! there.
//!
//! The database is this test's own cluster (`initdb` in a temporary directory, on a free
//! port), so stopping it disturbs nothing else. It needs the PostgreSQL server binaries
//! (`/usr/lib/postgresql/*/bin`, Debian's `postgresql` package, present on this project's
//! machines); without them the test says so and skips. As root, the cluster runs as the
//! `postgres` user (PostgreSQL refuses to run as root).

mod support;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::json;
use support::{ServerGuard, is_root, request};

fn pg_bin() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists() && p.join("pg_ctl").exists())
        .collect();
    dirs.sort();
    dirs.pop()
}

/// A private PostgreSQL cluster; stopped and deleted on drop.
struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
}

impl Cluster {
    /// Runs a PostgreSQL tool as the cluster's owner.
    fn tool(&self, name: &str, args: &[&str]) -> std::process::Output {
        let exe = self.bin.join(name);
        let mut c = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        c.args(args).output().expect("run a PostgreSQL tool")
    }

    fn data(&self) -> String {
        self.dir.join("data").display().to_string()
    }

    fn init(bin: PathBuf) -> Cluster {
        let dir = std::env::temp_dir().join(format!("mcp-tasks-pgstop-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        if is_root() {
            let ok = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(&dir)
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "chown postgres {}", dir.display());
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let c = Cluster { bin, dir, port };
        let out = c.tool(
            "initdb",
            &[
                "-D",
                &c.data(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        );
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        c
    }

    fn start(&self) {
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("pg.log").display().to_string();
        let out = self.tool(
            "pg_ctl",
            &["-D", &self.data(), "-o", &opts, "-l", &log, "-w", "start"],
        );
        assert!(
            out.status.success(),
            "pg_ctl start: {}{}",
            String::from_utf8_lossy(&out.stdout),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    /// Stops it the way a crash would: no shutdown checkpoint, connections cut.
    fn stop(&self) {
        let out = self.tool(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
        assert!(
            out.status.success(),
            "pg_ctl stop: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn addr(&self) -> SocketAddr {
        format!("127.0.0.1:{}", self.port).parse().unwrap()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if TcpStream::connect(self.addr()).is_ok() {
            self.stop();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn create(addr: SocketAddr, n: usize) -> serde_json::Value {
    request(
        addr,
        "tools/call",
        json!({"name": "slow_compute", "arguments": {"seconds": 1, "label": format!("pg-{n}")}}),
    )
}

#[test]
fn pg_stopped_database_gives_errors_then_serves_again_with_nothing_lost() {
    let Some(bin) = pg_bin() else {
        println!("skipped: no PostgreSQL server binaries under /usr/lib/postgresql/*/bin");
        return;
    };
    let pg = Cluster::init(bin);
    pg.start();
    let server = ServerGuard::start_logging(&["--store", &pg.url()], "info");
    let addr = server.addr();
    let mut acked = Vec::new();
    for n in 0..5 {
        let r = create(addr, n);
        assert_eq!(r["result"]["resultType"], "task", "{r}");
        acked.push(r["result"]["taskId"].as_str().unwrap().to_owned());
    }

    pg.stop();
    // Every request now fails with a JSON-RPC error that says what is wrong, in bounded time.
    for n in 5..8 {
        let asked = Instant::now();
        let r = create(addr, n);
        let took = asked.elapsed();
        assert!(
            r.get("result").is_none(),
            "a task was acknowledged while its store was down: {r}"
        );
        assert_eq!(r["error"]["code"], -32603, "{r}");
        let msg = r["error"]["message"].as_str().unwrap_or_default();
        assert!(msg.contains("Task store"), "{msg}");
        // Refused connections fail at once; the pool's acquire timeout (10 s) bounds the rest.
        assert!(took < Duration::from_secs(15), "took {took:?}");
    }
    let r = request(addr, "tasks/get", json!({"taskId": acked[0]}));
    assert_eq!(r["error"]["code"], -32603, "{r}");

    // Back up: the same process serves again, and nothing it acknowledged is lost.
    pg.start();
    let deadline = Instant::now() + Duration::from_secs(30);
    let fresh = loop {
        let r = create(addr, 99);
        if r["result"]["resultType"] == "task" {
            break r["result"]["taskId"].as_str().unwrap().to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "the server never served again: {r}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    for id in acked.iter().chain([&fresh]) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let r = request(addr, "tasks/get", json!({"taskId": id}));
            let status = r["result"]["status"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            assert!(
                ["working", "completed", "failed"].contains(&status.as_str()),
                "task {id} after the database came back: {r}"
            );
            if status != "working" {
                break;
            }
            assert!(Instant::now() < deadline, "task {id} stuck in working");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    assert!(
        !server.log_text().contains("panicked"),
        "{}",
        server.log_text()
    );
}
