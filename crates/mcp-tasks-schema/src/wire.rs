//! Validation of a recorded conversation: the [`TapRecord`]s of the transport's wire tap,
//! in order. Each message is attributed to a revision the way the server decided it — the
//! request's `_meta` protocol version (2026-07-28), else the legacy session's negotiated
//! version (from its `initialize` result), else the `MCP-Protocol-Version` header — and then
//! validated by method ([`Schemas::check_message`]). Responses a client sends to server
//! requests (2025-11-25) are validated as the result of the request they answer.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use mcp_tasks_transport::tap::{Direction as TapDir, TapRecord};
use serde_json::Value;

use crate::{Direction, Kind, Revision, Schema, Schemas};

/// What a recorded conversation showed.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// Messages validated.
    pub checked: usize,
    /// How often each kind of message was validated, by label (`2026-07-28 server→client
    /// tools/call result as tasks-extension#CreateTaskResult`).
    pub seen: BTreeMap<String, usize>,
    /// Messages that did not validate, with the path and the rule.
    pub violations: Vec<String>,
    /// Messages no revision could be attributed to (not validated, so reported).
    pub unattributed: Vec<String>,
}

impl Report {
    /// Whether every message validated and was attributed.
    pub fn is_clean(&self) -> bool {
        self.violations.is_empty() && self.unattributed.is_empty()
    }

    /// The (revision, direction, method, kind) keys seen, without the definition.
    pub fn methods(&self) -> std::collections::BTreeSet<String> {
        self.seen
            .keys()
            .map(|k| k.split(" as ").next().unwrap_or(k).to_owned())
            .collect()
    }

    /// A multi-line summary of the failures (empty when clean).
    pub fn failures(&self) -> String {
        let mut s = String::new();
        for v in self.violations.iter().take(20) {
            s.push_str(&format!("- {v}\n"));
        }
        if self.violations.len() > 20 {
            s.push_str(&format!(
                "… and {} more violations\n",
                self.violations.len() - 20
            ));
        }
        for u in self.unattributed.iter().take(10) {
            s.push_str(&format!("- no revision for: {u}\n"));
        }
        s
    }

    /// Adds another report's findings.
    pub fn merge(&mut self, other: Report) {
        self.checked += other.checked;
        for (k, n) in other.seen {
            *self.seen.entry(k).or_default() += n;
        }
        self.violations.extend(other.violations);
        self.unattributed.extend(other.unattributed);
    }
}

/// Validates records one by one, keeping what attribution needs (sessions, server requests).
#[derive(Debug)]
pub struct WireValidator<'a> {
    schemas: &'a Schemas,
    inbound: bool,
    sessions: HashMap<String, Revision>,
    /// (session, request id) of server→client requests -> their method.
    server_requests: HashMap<(Option<String>, String), String>,
    report: Report,
}

fn clip(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 600 {
        let mut cut = 600;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        format!("{} …", &s[..cut])
    } else {
        s
    }
}

impl<'a> WireValidator<'a> {
    /// `inbound`: also validate what the client sent (for tests whose client is ours).
    pub fn new(schemas: &'a Schemas, inbound: bool) -> Self {
        WireValidator {
            schemas,
            inbound,
            sessions: HashMap::new(),
            server_requests: HashMap::new(),
            report: Report::default(),
        }
    }

    fn declared(message: &Value) -> Option<&str> {
        message
            .pointer("/params/_meta/io.modelcontextprotocol~1protocolVersion")
            .and_then(Value::as_str)
    }

    /// The revision of a record, and whether a version was named at all.
    fn attribute(&mut self, r: &TapRecord) -> (Option<Revision>, Option<String>) {
        let declared = match r.dir {
            TapDir::In => Self::declared(&r.message).map(str::to_owned),
            TapDir::Out => r.request.as_ref().and_then(|q| q.protocol_version.clone()),
        };
        if let Some(v) = declared {
            // Per-request `_meta` is the modern era's mechanism: the server answers in that
            // era even when it rejects the version itself (-32022).
            return (Some(Revision::V2026_07_28), Some(v));
        }
        // An initialize result names the session's version.
        let is_init = r.request.as_ref().is_some_and(|q| q.method == "initialize");
        if r.dir == TapDir::Out && is_init {
            if let Some(v) = r
                .message
                .pointer("/result/protocolVersion")
                .and_then(Value::as_str)
            {
                let rev = Revision::for_version(v);
                if let (Some(s), Some(rev)) = (&r.session, rev) {
                    self.sessions.insert(s.clone(), rev);
                }
                return (rev, Some(v.to_owned()));
            }
        }
        if let Some(rev) = r.session.as_ref().and_then(|s| self.sessions.get(s)) {
            return (Some(*rev), Some(rev.as_str().to_owned()));
        }
        if r.dir == TapDir::In
            && r.message.get("method").and_then(Value::as_str) == Some("initialize")
        {
            let v = r
                .message
                .pointer("/params/protocolVersion")
                .and_then(Value::as_str);
            return (v.and_then(Revision::for_version), v.map(str::to_owned));
        }
        match &r.protocol_version_header {
            Some(v) => (Revision::for_version(v), Some(v.clone())),
            None => (None, None),
        }
    }

    /// Validates one record.
    pub fn record(&mut self, r: &TapRecord) {
        if r.dir == TapDir::In && !self.inbound {
            // Still learn the session's version from what the server answers, not from here.
            return;
        }
        if r.message.is_null() {
            self.report
                .violations
                .push(format!("a reply that is not JSON ({} record)", r.transport));
            return;
        }
        let dir = match r.dir {
            TapDir::In => Direction::In,
            TapDir::Out => Direction::Out,
        };
        let (rev, named) = self.attribute(r);
        let is_error = r.message.get("error").is_some();
        let Some(rev) = rev else {
            if is_error {
                // Before any revision is settled (bad version, no session): the error
                // envelope, identical in both revisions, must hold in both.
                for s in [Schema::V2025, Schema::V2026] {
                    if let Err(v) = self.schemas.check_def(
                        s,
                        "JSONRPCErrorResponse",
                        &r.message,
                        "error response of no settled revision",
                        "",
                    ) {
                        self.report.violations.push(v.to_string());
                    }
                }
                self.report.checked += 1;
                *self
                    .report
                    .seen
                    .entry("any revision error (no settled revision)".into())
                    .or_default() += 1;
            } else {
                self.report.unattributed.push(format!(
                    "{} {} (version {:?}) {}",
                    dir.label(),
                    r.request
                        .as_ref()
                        .map(|q| format!("reply to {}", q.method))
                        .unwrap_or_default(),
                    named,
                    clip(&r.message)
                ));
            }
            return;
        };
        // The method a response answers: the request on record, or a server request.
        let key = |id: &Value| (r.session.clone(), id.to_string());
        let in_reply_to = match (dir, &r.request) {
            (Direction::Out, Some(q)) => Some(q.method.clone()),
            (Direction::In, _) => r
                .message
                .get("id")
                .filter(|_| r.message.get("method").is_none())
                .and_then(|id| self.server_requests.get(&key(id)).cloned()),
            _ => None,
        };
        if dir == Direction::Out && r.message.get("method").is_some() {
            if let Some(id) = r.message.get("id") {
                if let Some(m) = r.message.get("method").and_then(Value::as_str) {
                    self.server_requests.insert(key(id), m.to_owned());
                }
            }
        }
        self.report.checked += 1;
        match self
            .schemas
            .check_message(rev, dir, in_reply_to.as_deref(), &r.message)
        {
            Ok(plan) => {
                let def = plan
                    .targets
                    .iter()
                    .filter(|t| !t.def.starts_with("JSONRPC"))
                    .map(|t| format!("{}#{}", t.schema.label(), t.def))
                    .collect::<Vec<_>>()
                    .join(" + ");
                let label = if plan.kind == Kind::Result || plan.kind == Kind::Error {
                    format!("{} as {def}", plan.what)
                } else {
                    plan.what.clone()
                };
                *self.report.seen.entry(label).or_default() += 1;
            }
            Err(v) => self.report.violations.push(format!(
                "{v}\n    message: {}{}",
                clip(&r.message),
                if r.streamed { " (SSE event)" } else { "" }
            )),
        }
    }

    /// The findings.
    pub fn finish(self) -> Report {
        self.report
    }
}

/// Reads a tap file (one JSON record per line).
pub fn read_tap(path: &Path) -> Result<Vec<TapRecord>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the wire tap {}: {e}", path.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l)
                .map_err(|e| format!("{}:{}: not a tap record: {e}", path.display(), i + 1))
        })
        .collect()
}

/// Validates a whole tap file.
pub fn check_tap_file(schemas: &Schemas, path: &Path, inbound: bool) -> Result<Report, String> {
    let records = read_tap(path)?;
    let mut v = WireValidator::new(schemas, inbound);
    for r in &records {
        v.record(r);
    }
    Ok(v.finish())
}

/// The environment variable that makes the reference server record its wire
/// (`mcp-tasks-server`, see its `wire_tap`).
pub const TAP_ENV: &str = "MCP_TASKS_WIRE_TAP";

/// The shared spec folder's schemas, loaded once per process (tests).
pub fn spec_schemas() -> &'static Schemas {
    static SCHEMAS: std::sync::OnceLock<Schemas> = std::sync::OnceLock::new();
    SCHEMAS.get_or_init(|| {
        Schemas::from_spec_dir().unwrap_or_else(|e| {
            panic!(
                "{e}: the official JSON Schemas are read from {} (set MCP_SPEC_DIR)",
                Schemas::spec_dir().display()
            )
        })
    })
}

/// A wire tap file for one server a test starts: pass [`TapFile::path`] in [`TAP_ENV`],
/// then [`TapFile::assert_valid`]. Removed when dropped, unless it held a violation.
#[derive(Debug)]
pub struct TapFile {
    path: std::path::PathBuf,
    keep: std::sync::atomic::AtomicBool,
}

impl TapFile {
    /// A fresh file name in the temporary directory.
    pub fn new(tag: &str) -> TapFile {
        static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "mcp-tasks-tap-{tag}-{}-{n}.jsonl",
            std::process::id()
        ));
        let _ = std::fs::remove_file(&path);
        TapFile {
            path,
            keep: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Where the server writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Validates what was recorded so far against the spec folder's schemas (`inbound`:
    /// the client's messages too). A missing file is an empty conversation.
    pub fn report(&self, inbound: bool) -> Report {
        if !self.path.exists() {
            return Report::default();
        }
        check_tap_file(spec_schemas(), &self.path, inbound).unwrap_or_else(|e| Report {
            violations: vec![e],
            ..Report::default()
        })
    }

    /// Panics (keeping the file) when a recorded message does not validate or has no
    /// revision; returns the report otherwise.
    #[track_caller]
    pub fn assert_valid(&self, inbound: bool, what: &str) -> Report {
        let r = self.report(inbound);
        if !r.is_clean() {
            self.keep.store(true, std::sync::atomic::Ordering::Relaxed);
            panic!(
                "{what}: {} of {} recorded messages do not validate against the official \
                 schemas (wire tap kept at {}):\n{}",
                r.violations.len() + r.unattributed.len(),
                r.checked + r.unattributed.len(),
                self.path.display(),
                r.failures()
            );
        }
        r
    }
}

impl Drop for TapFile {
    fn drop(&mut self) {
        if !self.keep.load(std::sync::atomic::Ordering::Relaxed) && !std::thread::panicking() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
