//! The server under test when the checker starts it (`--cmd`, `--stdio-cmd`): spawned with
//! `sh -c` in its own process group, output captured, the whole group killed at the end.

use std::collections::VecDeque;
use std::os::unix::process::ExitStatusExt as _;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

const KEEP_LINES: usize = 200;

/// A spawned server process group.
pub(crate) struct Target {
    cmd: String,
    stdio: bool,
    child: Option<Child>,
    pgid: Option<u32>,
    output: Arc<Mutex<VecDeque<String>>>,
    env: Vec<(String, String)>,
}

fn keep(output: &Arc<Mutex<VecDeque<String>>>, line: String) {
    if let Ok(mut o) = output.lock() {
        if o.len() == KEEP_LINES {
            o.pop_front();
        }
        o.push_back(line);
    }
}

fn signal_group(pgid: u32, signal: &str) {
    let _ = std::process::Command::new("kill")
        .args([signal, "--", &format!("-{pgid}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

impl Target {
    /// Starts `cmd`. With `stdio`, its stdin/stdout are returned for the stdio transport
    /// (only stderr is captured).
    pub(crate) fn spawn(
        cmd: &str,
        stdio: bool,
    ) -> Result<(Target, Option<(ChildStdin, ChildStdout)>), String> {
        Target::spawn_with_env(cmd, stdio, Vec::new())
    }

    /// [`Target::spawn`] with extra environment variables.
    pub(crate) fn spawn_with_env(
        cmd: &str,
        stdio: bool,
        env: Vec<(String, String)>,
    ) -> Result<(Target, Option<(ChildStdin, ChildStdout)>), String> {
        let mut t = Target {
            cmd: cmd.to_owned(),
            stdio,
            child: None,
            pgid: None,
            output: Arc::new(Mutex::new(VecDeque::new())),
            env,
        };
        let pipes = t.start()?;
        Ok((t, pipes))
    }

    fn start(&mut self) -> Result<Option<(ChildStdin, ChildStdout)>, String> {
        let mut c = Command::new("sh");
        c.arg("-c")
            .arg(&self.cmd)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .process_group(0)
            .stdin(if self.stdio {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = c
            .spawn()
            .map_err(|e| format!("cannot start `sh -c {:?}`: {e}", self.cmd))?;
        self.pgid = child.id();
        if let Some(err) = child.stderr.take() {
            let out = self.output.clone();
            tokio::spawn(async move {
                let mut lines = BufReader::new(err).lines();
                while let Ok(Some(l)) = lines.next_line().await {
                    keep(&out, l);
                }
            });
        }
        let mut pipes = None;
        if self.stdio {
            if let (Some(i), Some(o)) = (child.stdin.take(), child.stdout.take()) {
                pipes = Some((i, o));
            }
        } else if let Some(so) = child.stdout.take() {
            let out = self.output.clone();
            tokio::spawn(async move {
                let mut lines = BufReader::new(so).lines();
                while let Ok(Some(l)) = lines.next_line().await {
                    keep(&out, l);
                }
            });
        }
        self.child = Some(child);
        Ok(pipes)
    }

    /// The last lines the server printed.
    pub(crate) fn output_tail(&self, n: usize) -> String {
        let o = self.output.lock().map(|o| o.clone()).unwrap_or_default();
        let skip = o.len().saturating_sub(n);
        o.into_iter().skip(skip).collect::<Vec<_>>().join("\n")
    }

    /// Waits until `authority` accepts TCP connections, failing early if the process exits.
    pub(crate) async fn wait_for_port(
        &mut self,
        authority: &str,
        timeout: Duration,
    ) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(st)) = child.try_wait() {
                    return Err(format!(
                        "the server command exited ({}) before listening on {authority}; its output:\n{}",
                        describe_exit(st),
                        self.output_tail(30)
                    ));
                }
            }
            let attempt = tokio::time::timeout(
                Duration::from_millis(500),
                tokio::net::TcpStream::connect(authority),
            )
            .await;
            if let Ok(Ok(_)) = attempt {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "the server did not listen on {authority} within {timeout:?}; its output:\n{}",
                    self.output_tail(30)
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits up to `timeout` for the command to exit; `None` when it is still running.
    pub(crate) async fn wait_exit(&mut self, timeout: Duration) -> Option<String> {
        let child = self.child.as_mut()?;
        match tokio::time::timeout(timeout, child.wait()).await {
            Ok(Ok(st)) => Some(describe_exit(st)),
            Ok(Err(e)) => Some(format!("unknown ({e})")),
            Err(_) => None,
        }
    }

    /// `kill -9` of the whole process group, then waits for the shell to go.
    pub(crate) async fn kill_hard(&mut self) {
        if let Some(pgid) = self.pgid.take() {
            signal_group(pgid, "-KILL");
        }
        if let Some(mut child) = self.child.take() {
            let _ = child.start_kill();
            let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
        }
    }

    /// Starts the same command again (after [`Target::kill_hard`]).
    pub(crate) fn restart(&mut self) -> Result<Option<(ChildStdin, ChildStdout)>, String> {
        keep(
            &self.output,
            "---- mcp-tasks-check: server restarted ----".into(),
        );
        self.start()
    }

    /// Stops the group: SIGTERM, a grace period, then SIGKILL.
    pub(crate) async fn stop(&mut self) {
        if let Some(pgid) = self.pgid {
            signal_group(pgid, "-TERM");
            if let Some(child) = self.child.as_mut() {
                let _ = tokio::time::timeout(Duration::from_secs(3), child.wait()).await;
            }
        }
        self.kill_hard().await;
    }
}

fn describe_exit(st: std::process::ExitStatus) -> String {
    match (st.code(), st.signal()) {
        (Some(c), _) => format!("exit code {c}"),
        (None, Some(s)) => format!("signal {s}"),
        _ => "unknown status".into(),
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Some(pgid) = self.pgid.take() {
            signal_group(pgid, "-KILL");
        }
    }
}
