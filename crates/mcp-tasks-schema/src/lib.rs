//! Validation of MCP JSON-RPC messages against the official JSON Schemas, **by method**: a
//! `tools/call` reply is validated as that revision's `CallToolResult` (or
//! `InputRequiredResult`, or the extension's `CreateTaskResult`, as its `resultType` says), a
//! `tasks/get` reply as the extension's `GetTaskResult` whose inlined `result` is in turn the
//! creating method's result, a notification as the definition of its method, and so on.
//! A failure names the message, the definition, the JSON path in the message and the schema
//! rule that failed.
//!
//! The three schema documents (2025-11-25, 2026-07-28 and the tasks extension) are embedded
//! ([`Schemas::embedded`], used by the conformance checker) as byte-identical copies of the
//! files in the shared spec folder; the tests load the spec folder itself
//! ([`Schemas::from_spec_dir`], `MCP_SPEC_DIR` overrides its location) and check that the
//! copies did not drift.
//!
//! [`wire`] validates whole conversations recorded by the transport's wire tap
//! (`mcp_tasks_transport::tap`), both directions.
#![warn(missing_docs, clippy::print_stdout, clippy::dbg_macro)]

mod methods;
pub mod wire;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::Mutex;
use serde_json::Value;

pub use methods::{Direction, Kind, Plan, Target, plan};

/// A protocol revision with a schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Revision {
    /// 2025-11-25 (legacy era).
    V2025_11_25,
    /// 2026-07-28 (modern era) and the tasks extension.
    V2026_07_28,
}

impl Revision {
    /// The revision a negotiated or declared version string is validated with. Legacy
    /// versions older than 2025-11-25 (the oldest schema in the spec folder) are validated
    /// with 2025-11-25, which only added optional fields to them; unknown versions have none.
    pub fn for_version(version: &str) -> Option<Revision> {
        match version {
            "2026-07-28" => Some(Revision::V2026_07_28),
            "2025-11-25" | "2025-06-18" | "2025-03-26" | "2024-11-05" => {
                Some(Revision::V2025_11_25)
            }
            _ => None,
        }
    }

    /// The version string.
    pub fn as_str(self) -> &'static str {
        match self {
            Revision::V2025_11_25 => "2025-11-25",
            Revision::V2026_07_28 => "2026-07-28",
        }
    }

    /// The core schema of this revision.
    pub fn core(self) -> Schema {
        match self {
            Revision::V2025_11_25 => Schema::V2025,
            Revision::V2026_07_28 => Schema::V2026,
        }
    }
}

impl fmt::Display for Revision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One of the schema documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Schema {
    /// `2025-11-25.schema.json`.
    V2025,
    /// `2026-07-28.schema.json` (== `draft.schema.json`).
    V2026,
    /// `tasks-extension.schema.json` (`io.modelcontextprotocol/tasks`).
    Ext,
}

impl Schema {
    /// Every document.
    pub const ALL: [Schema; 3] = [Schema::V2025, Schema::V2026, Schema::Ext];

    /// The file name in the spec folder's `schema/`.
    pub fn file(self) -> &'static str {
        match self {
            Schema::V2025 => "2025-11-25.schema.json",
            Schema::V2026 => "2026-07-28.schema.json",
            Schema::Ext => "tasks-extension.schema.json",
        }
    }

    /// A short label for messages.
    pub fn label(self) -> &'static str {
        match self {
            Schema::V2025 => "2025-11-25",
            Schema::V2026 => "2026-07-28",
            Schema::Ext => "tasks-extension",
        }
    }

    fn embedded(self) -> &'static str {
        match self {
            Schema::V2025 => include_str!("../schema/2025-11-25.schema.json"),
            Schema::V2026 => include_str!("../schema/2026-07-28.schema.json"),
            Schema::Ext => include_str!("../schema/tasks-extension.schema.json"),
        }
    }

    /// The embedded copy, byte for byte.
    pub fn embedded_text(self) -> &'static str {
        self.embedded()
    }
}

/// One failed schema rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// JSON pointer into the validated message.
    pub path: String,
    /// The schema rule (keyword location in the schema document).
    pub rule: String,
    /// What the validator said.
    pub message: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "/"
        } else {
            &self.path
        };
        write!(f, "at {path}: {} (rule {})", self.message, self.rule)
    }
}

/// A message that did not validate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// What the message was taken for, e.g. `2026-07-28 tools/call result`.
    pub what: String,
    /// The definition it was validated against, e.g. `2026-07-28#CallToolResult`.
    pub def: String,
    /// The failed rules.
    pub issues: Vec<Issue>,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is not a valid {}:", self.what, self.def)?;
        for i in &self.issues {
            write!(f, "\n    {i}")?;
        }
        Ok(())
    }
}

/// The loaded schema documents and the validators compiled from them (one per definition,
/// compiled on first use and kept).
pub struct Schemas {
    docs: HashMap<Schema, Value>,
    compiled: Mutex<HashMap<(Schema, String), Arc<jsonschema::Validator>>>,
}

impl fmt::Debug for Schemas {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Schemas")
            .field("compiled", &self.compiled.lock().len())
            .finish()
    }
}

impl Schemas {
    fn from_texts(text: impl Fn(Schema) -> Result<String, String>) -> Result<Schemas, String> {
        let mut docs = HashMap::new();
        for s in Schema::ALL {
            let t = text(s)?;
            let v: Value =
                serde_json::from_str(&t).map_err(|e| format!("{}: not JSON: {e}", s.file()))?;
            docs.insert(s, v);
        }
        Ok(Schemas {
            docs,
            compiled: Mutex::new(HashMap::new()),
        })
    }

    /// The copies compiled into this crate.
    pub fn embedded() -> Schemas {
        // The embedded texts are checked JSON (tests); a failure here is a build defect.
        Self::from_texts(|s| Ok(s.embedded().to_owned()))
            .unwrap_or_else(|e| panic!("embedded schema: {e}"))
    }

    /// The documents in `dir` (the spec folder's `schema/`).
    pub fn from_dir(dir: &Path) -> Result<Schemas, String> {
        Self::from_texts(|s| {
            let p = dir.join(s.file());
            std::fs::read_to_string(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))
        })
    }

    /// The shared spec folder: `$MCP_SPEC_DIR`, else `../shared/spec` beside the workspace
    /// (where the tests find it, as the schema conformance tests do).
    pub fn spec_dir() -> PathBuf {
        if let Some(dir) = std::env::var_os("MCP_SPEC_DIR") {
            return PathBuf::from(dir);
        }
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/spec")
    }

    /// The documents of the shared spec folder ([`Schemas::spec_dir`]).
    pub fn from_spec_dir() -> Result<Schemas, String> {
        Self::from_dir(&Self::spec_dir().join("schema"))
    }

    /// Whether `schema` defines `def`.
    pub fn has_def(&self, schema: Schema, def: &str) -> bool {
        self.docs
            .get(&schema)
            .and_then(|d| d.pointer(&format!("/$defs/{def}")))
            .is_some()
    }

    fn validator(&self, schema: Schema, def: &str) -> Result<Arc<jsonschema::Validator>, String> {
        if let Some(v) = self.compiled.lock().get(&(schema, def.to_owned())) {
            return Ok(v.clone());
        }
        if !self.has_def(schema, def) {
            return Err(format!("{} has no definition {def}", schema.file()));
        }
        let mut root = self.docs[&schema].clone();
        if let Some(o) = root.as_object_mut() {
            o.insert("$ref".into(), Value::String(format!("#/$defs/{def}")));
        }
        let v = jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&root)
            .map_err(|e| format!("{}#{def}: cannot compile: {e}", schema.label()))?;
        let v = Arc::new(v);
        self.compiled
            .lock()
            .insert((schema, def.to_owned()), v.clone());
        Ok(v)
    }

    /// Validates `instance` against `schema`'s definition `def`; `what` names the instance
    /// in the violation, `prefix` is its JSON pointer inside the whole message.
    pub fn check_def(
        &self,
        schema: Schema,
        def: &str,
        instance: &Value,
        what: &str,
        prefix: &str,
    ) -> Result<(), Violation> {
        let label = format!("{}#{def}", schema.label());
        let v = self.validator(schema, def).map_err(|e| Violation {
            what: what.to_owned(),
            def: label.clone(),
            issues: vec![Issue {
                path: prefix.to_owned(),
                rule: "-".into(),
                message: e,
            }],
        })?;
        let issues: Vec<Issue> = v
            .iter_errors(instance)
            .map(|e| Issue {
                path: format!("{prefix}{}", e.instance_path().as_str()),
                rule: e.schema_path().as_str().to_owned(),
                message: e.to_string(),
            })
            .collect();
        if issues.is_empty() {
            Ok(())
        } else {
            Err(Violation {
                what: what.to_owned(),
                def: label,
                issues,
            })
        }
    }

    /// Validates one JSON-RPC message of `revision` going `dir`, by method: `in_reply_to`
    /// is the method of the request a response answers. Returns what it was validated as.
    pub fn check_message(
        &self,
        revision: Revision,
        dir: Direction,
        in_reply_to: Option<&str>,
        message: &Value,
    ) -> Result<Plan, Violation> {
        let plan = methods::plan(revision, dir, in_reply_to, message).map_err(|e| Violation {
            what: format!("{revision} {} message", dir.label()),
            def: "the method table".into(),
            issues: vec![Issue {
                path: String::new(),
                rule: "-".into(),
                message: e,
            }],
        })?;
        for t in &plan.targets {
            let instance = if t.pointer.is_empty() {
                Some(message)
            } else {
                message.pointer(&t.pointer)
            };
            match instance {
                Some(i) => self.check_def(t.schema, t.def, i, &plan.what, &t.pointer)?,
                None => {
                    return Err(Violation {
                        what: plan.what.clone(),
                        def: format!("{}#{}", t.schema.label(), t.def),
                        issues: vec![Issue {
                            path: t.pointer.clone(),
                            rule: "-".into(),
                            message: "missing".into(),
                        }],
                    });
                }
            }
        }
        Ok(plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schemas() -> Schemas {
        Schemas::embedded()
    }

    #[test]
    fn embedded_copies_match_the_spec_folder() {
        let dir = Schemas::spec_dir().join("schema");
        for s in Schema::ALL {
            let p = dir.join(s.file());
            let text = std::fs::read_to_string(&p)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
            assert!(
                text == s.embedded_text(),
                "crates/mcp-tasks-schema/schema/{} differs from {}: copy it again",
                s.file(),
                p.display()
            );
        }
    }

    #[test]
    fn a_2026_tool_result_without_result_type_fails_with_path_and_rule() {
        let msg = json!({"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"x"}]}});
        let e = schemas()
            .check_message(
                Revision::V2026_07_28,
                Direction::Out,
                Some("tools/call"),
                &msg,
            )
            .unwrap_err();
        let text = e.to_string();
        assert!(text.contains("resultType"), "{text}");
        assert!(text.contains("required"), "{text}");
        assert!(
            e.issues.iter().all(|i| i.path.starts_with("/result")),
            "{text}"
        );
    }

    #[test]
    fn inlined_results_are_validated_as_the_creating_method_result() {
        let task = |result: Value| {
            json!({"jsonrpc":"2.0","id":2,"result":{"resultType":"complete","taskId":"t1",
                "status":"completed","createdAt":"2026-01-01T00:00:00Z",
                "lastUpdatedAt":"2026-01-01T00:00:01Z","ttlMs":null,"result":result}})
        };
        let s = schemas();
        let good = task(json!({"resultType":"complete","content":[]}));
        let plan = s
            .check_message(
                Revision::V2026_07_28,
                Direction::Out,
                Some("tasks/get"),
                &good,
            )
            .unwrap();
        assert!(plan.targets.iter().any(|t| t.pointer == "/result/result"));
        let bad = task(json!({"content":[]}));
        let e = s
            .check_message(
                Revision::V2026_07_28,
                Direction::Out,
                Some("tasks/get"),
                &bad,
            )
            .unwrap_err();
        assert!(e.def.contains("CallToolResult"), "{e}");
        assert!(e.issues[0].path.starts_with("/result/result"), "{e}");
        // The same inside notifications/tasks.
        let n = json!({"jsonrpc":"2.0","method":"notifications/tasks","params":{
            "taskId":"t1","status":"completed","createdAt":"2026-01-01T00:00:00Z",
            "lastUpdatedAt":"2026-01-01T00:00:01Z","ttlMs":1000,"result":{"content":[]}}});
        let e = s
            .check_message(Revision::V2026_07_28, Direction::Out, None, &n)
            .unwrap_err();
        assert!(e.issues[0].path.starts_with("/params/result"), "{e}");
    }

    #[test]
    fn legacy_shapes_and_unknown_methods() {
        let s = schemas();
        let init = json!({"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2025-11-25",
            "capabilities":{},"serverInfo":{"name":"s","version":"1"}}});
        s.check_message(
            Revision::V2025_11_25,
            Direction::Out,
            Some("initialize"),
            &init,
        )
        .unwrap();
        let no_info = json!({"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2025-11-25",
            "capabilities":{}}});
        assert!(
            s.check_message(
                Revision::V2025_11_25,
                Direction::Out,
                Some("initialize"),
                &no_info
            )
            .is_err()
        );
        let req = json!({"jsonrpc":"2.0","id":5,"method":"elicitation/create","params":{}});
        assert!(
            s.check_message(Revision::V2026_07_28, Direction::Out, None, &req)
                .is_err(),
            "servers send no requests in 2026-07-28"
        );
        let unknown = json!({"jsonrpc":"2.0","method":"notifications/nope","params":{}});
        assert!(
            s.check_message(Revision::V2025_11_25, Direction::Out, None, &unknown)
                .is_err()
        );
    }
}
