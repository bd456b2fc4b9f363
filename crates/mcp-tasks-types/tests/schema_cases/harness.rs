//! Shared machinery for the schema conformance test.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// One of the official schemas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Schema {
    /// `2025-11-25.schema.json`.
    V2025,
    /// `2026-07-28.schema.json` (== `draft.schema.json`).
    V2026,
    /// `tasks-extension.schema.json`.
    Ext,
}

impl Schema {
    pub(crate) const ALL: [Schema; 3] = [Schema::V2025, Schema::V2026, Schema::Ext];

    fn file(self) -> &'static str {
        match self {
            Schema::V2025 => "2025-11-25.schema.json",
            Schema::V2026 => "2026-07-28.schema.json",
            Schema::Ext => "tasks-extension.schema.json",
        }
    }
}

/// Where the shared spec folder is: `MCP_SPEC_DIR`, else `../shared/spec` beside the repo.
pub(crate) fn schema_path(file: &str) -> PathBuf {
    if let Ok(dir) = std::env::var("MCP_SPEC_DIR") {
        return PathBuf::from(dir).join("schema").join(file);
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.join("../shared/spec/schema").join(file)
}

/// Reads a file of the spec folder; a missing folder fails with where it was looked for and
/// how to point elsewhere, not with a bare I/O error.
pub(crate) fn read_spec_file(path: &std::path::Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}). The official MCP spec (PROTOCOL.md and schema/*.schema.json) \
             is expected in ../shared/spec beside this repository; set MCP_SPEC_DIR=/path/to/spec \
             to use another folder{}",
            path.display(),
            match std::env::var("MCP_SPEC_DIR") {
                Ok(d) => format!(" (MCP_SPEC_DIR is {d:?} now)"),
                Err(_) => String::new(),
            }
        )
    })
}

pub(crate) fn load(schema: Schema) -> Value {
    let path = schema_path(schema.file());
    let bytes = read_spec_file(&path);
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

pub(crate) fn def_names(schema: Schema) -> BTreeSet<String> {
    load(schema)["$defs"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

struct Instance {
    schema: Schema,
    def: String,
    value: Value,
    origin: String,
}

struct Rejection {
    what: String,
    result: Result<(), String>,
    expect: String,
}

/// The collected instances, not-modelled entries and rejection cases.
#[derive(Default)]
pub(crate) struct Cases {
    instances: Vec<Instance>,
    not_modelled: BTreeMap<(Schema, String), String>,
    sole: BTreeMap<(Schema, String), String>,
    rejections: Vec<Rejection>,
}

impl Cases {
    /// Adds a Rust value: serializes it, checks that it round-trips through `T`, and records
    /// the JSON for validation against `schema`'s `def`.
    #[track_caller]
    pub(crate) fn value<T: Serialize + DeserializeOwned>(
        &mut self,
        schema: Schema,
        def: &str,
        v: &T,
    ) {
        let json = serde_json::to_value(v).expect("serialize");
        self.round_trip::<T>(schema, def, json);
    }

    /// Adds a JSON instance that must decode as `T` and re-encode to exactly the same JSON
    /// (lossless), then validate against `schema`'s `def`.
    #[track_caller]
    pub(crate) fn json<T: Serialize + DeserializeOwned>(
        &mut self,
        schema: Schema,
        def: &str,
        json: Value,
    ) {
        self.round_trip::<T>(schema, def, json);
    }

    /// The same Rust value validated against several schemas (shapes shared by the eras).
    #[track_caller]
    pub(crate) fn json_in<T: Serialize + DeserializeOwned>(
        &mut self,
        schemas: &[Schema],
        def: &str,
        json: Value,
    ) {
        for s in schemas {
            self.round_trip::<T>(*s, def, json.clone());
        }
    }

    #[track_caller]
    fn round_trip<T: Serialize + DeserializeOwned>(
        &mut self,
        schema: Schema,
        def: &str,
        json: Value,
    ) {
        let loc = std::panic::Location::caller();
        let origin = format!("{}:{}", loc.file(), loc.line());
        let typed: T = serde_json::from_value(json.clone()).unwrap_or_else(|e| {
            panic!(
                "{origin}: {schema:?}/{def}: cannot decode as {}: {e}\n{json:#}",
                std::any::type_name::<T>()
            )
        });
        let back = serde_json::to_value(&typed).expect("serialize");
        assert_eq!(
            back,
            json,
            "{origin}: {schema:?}/{def}: round trip through {} is lossy",
            std::any::type_name::<T>()
        );
        self.instances.push(Instance {
            schema,
            def: def.to_owned(),
            value: json,
            origin,
        });
    }

    /// Names a definition that is deliberately not modelled as its own Rust type.
    pub(crate) fn not_modelled(&mut self, schema: Schema, def: &str, reason: &str) {
        assert!(!reason.is_empty());
        self.not_modelled
            .insert((schema, def.to_owned()), reason.to_owned());
    }

    /// Declares that a def has exactly one valid instance, so one instance covers it.
    pub(crate) fn sole_instance(&mut self, schema: Schema, def: &str, reason: &str) {
        assert!(!reason.is_empty());
        self.sole
            .insert((schema, def.to_owned()), reason.to_owned());
    }

    /// How many distinct instances cover `def` fully (minimal + full).
    pub(crate) fn required_instances(&self, schema: Schema, def: &str) -> usize {
        if self.sole.contains_key(&(schema, def.to_owned())) {
            1
        } else {
            2
        }
    }

    /// Records that decoding `json` as `T` must fail with an error containing `expect`.
    #[track_caller]
    pub(crate) fn reject<T: DeserializeOwned>(&mut self, what: &str, json: Value, expect: &str) {
        let result = serde_json::from_value::<T>(json)
            .map(|_| ())
            .map_err(|e| e.to_string());
        self.rejections.push(Rejection {
            what: what.to_owned(),
            result,
            expect: expect.to_owned(),
        });
    }

    pub(crate) fn instances_for(&self, schema: Schema, def: &str) -> usize {
        let distinct: BTreeSet<String> = self
            .instances
            .iter()
            .filter(|i| i.schema == schema && i.def == def)
            .map(|i| i.value.to_string())
            .collect();
        distinct.len()
    }

    pub(crate) fn is_not_modelled(&self, schema: Schema, def: &str) -> bool {
        self.not_modelled.contains_key(&(schema, def.to_owned()))
    }

    pub(crate) fn defs_named(&self, schema: Schema) -> BTreeSet<String> {
        self.instances
            .iter()
            .filter(|i| i.schema == schema)
            .map(|i| i.def.clone())
            .chain(
                self.not_modelled
                    .keys()
                    .filter(|(s, _)| *s == schema)
                    .map(|(_, d)| d.clone()),
            )
            .collect()
    }

    pub(crate) fn rejection_count(&self) -> usize {
        self.rejections.len()
    }

    pub(crate) fn check_rejections(&self) -> Vec<String> {
        self.rejections
            .iter()
            .filter_map(|r| match &r.result {
                Ok(()) => Some(format!("{}: was accepted but must be rejected", r.what)),
                Err(e) if !e.contains(&r.expect) => Some(format!(
                    "{}: error {e:?} does not mention {:?}",
                    r.what, r.expect
                )),
                Err(_) => None,
            })
            .collect()
    }

    /// Validates every instance; returns one line per failure.
    pub(crate) fn validate_all(&self) -> Vec<String> {
        let mut failures = Vec::new();
        for schema in Schema::ALL {
            let doc = load(schema);
            let mut validators: BTreeMap<String, jsonschema::Validator> = BTreeMap::new();
            for inst in self.instances.iter().filter(|i| i.schema == schema) {
                let v = validators.entry(inst.def.clone()).or_insert_with(|| {
                    let mut root = doc.clone();
                    root.as_object_mut().unwrap().insert(
                        "$ref".into(),
                        Value::String(format!("#/$defs/{}", inst.def)),
                    );
                    jsonschema::draft202012::options()
                        .should_validate_formats(true)
                        .build(&root)
                        .unwrap_or_else(|e| panic!("{schema:?}/{}: bad schema: {e}", inst.def))
                });
                let errors: Vec<String> = v
                    .iter_errors(&inst.value)
                    .map(|e| format!("{} at {}", e, e.instance_path()))
                    .collect();
                if !errors.is_empty() {
                    failures.push(format!(
                        "{} {schema:?}/{}: {}\n    instance: {}",
                        inst.origin,
                        inst.def,
                        errors.join("; "),
                        inst.value
                    ));
                }
            }
        }
        failures
    }
}
