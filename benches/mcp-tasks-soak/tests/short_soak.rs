//! A short crash-restart soak in the test command: 4 clients for 20 s, the server killed
//! with SIGKILL every ~5 s. The long run (10 min, a kill every ~30 s) is in the README.

use std::path::PathBuf;
use std::time::Duration;

/// The reference server binary of this workspace (built here when missing).
fn server_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("test exe");
    if let Some(p) = mcp_tasks_soak::sibling_server_bin(&exe) {
        return p;
    }
    let st = std::process::Command::new(env!("CARGO"))
        .args([
            "build",
            "-p",
            "mcp-tasks-server",
            "--bin",
            "mcp-tasks-server",
        ])
        .status()
        .expect("run cargo build");
    assert!(st.success(), "cargo build -p mcp-tasks-server failed");
    mcp_tasks_soak::sibling_server_bin(&exe).expect("mcp-tasks-server after building it")
}

#[test]
fn every_acknowledged_task_survives_random_sigkills() {
    let dir = std::env::temp_dir().join(format!("mcp-tasks-short-soak-{}", std::process::id()));
    let cfg = mcp_tasks_soak::Config {
        server_bin: server_bin(),
        duration: Duration::from_secs(20),
        clients: 4,
        kill_every: Duration::from_secs(5),
        seed: 1,
        dir: dir.clone(),
        max_rss_kib: 256 * 1024,
        settle: Duration::from_secs(30),
    };
    let report = mcp_tasks_soak::run(&cfg).expect("the soak runs");
    println!("{}", report.render());
    assert!(
        report.kills >= 2,
        "the server must have been killed: {}",
        report.render()
    );
    assert!(
        report.tasks.keys().any(|k| k.starts_with("2026"))
            && report.tasks.keys().any(|k| k.starts_with("2025")),
        "tasks of both eras: {}",
        report.render()
    );
    assert!(report.passed(), "{}", report.render());
    let _ = std::fs::remove_dir_all(&dir);
}
