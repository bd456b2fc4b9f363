//! Schema conformance (issue: Foundation, PROTOCOL.md §0.1).
//!
//! For every `$defs` entry of the three official JSON Schemas in `../shared/spec/schema/`,
//! either serialized instances of the matching Rust type (at least a minimal and a full one)
//! validate against that definition with a JSON Schema 2020-12 validator, or the definition
//! is named in an explicit list of defs not modelled, with the reason. Every instance also
//! round-trips losslessly (JSON → Rust → JSON).

#[path = "schema_cases/harness.rs"]
mod harness;

#[path = "schema_cases/base.rs"]
mod base;
#[path = "schema_cases/content_tools.rs"]
mod content_tools;
#[path = "schema_cases/input.rs"]
mod input;
#[path = "schema_cases/lifecycle.rs"]
mod lifecycle;
#[path = "schema_cases/tasks.rs"]
mod tasks;

use harness::{Cases, Schema};

fn all_cases() -> Cases {
    let mut c = Cases::default();
    base::cases(&mut c);
    lifecycle::cases(&mut c);
    content_tools::cases(&mut c);
    input::cases(&mut c);
    tasks::cases(&mut c);
    c
}

#[test]
fn draft_schema_is_identical_to_2026_07_28() {
    let a = harness::read_spec_file(&harness::schema_path("2026-07-28.schema.json"));
    let b = harness::read_spec_file(&harness::schema_path("draft.schema.json"));
    assert!(
        a == b,
        "draft.schema.json differs from 2026-07-28.schema.json"
    );
}

#[test]
fn every_instance_validates_against_its_definition() {
    let cases = all_cases();
    let failures = cases.validate_all();
    assert!(
        failures.is_empty(),
        "{} instance(s) failed schema validation:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_definition_is_covered_or_listed() {
    let cases = all_cases();
    let mut missing = Vec::new();
    for schema in Schema::ALL {
        let defs = harness::def_names(schema);
        for def in &defs {
            let n = cases.instances_for(schema, def);
            let listed = cases.is_not_modelled(schema, def);
            if listed && n > 0 {
                missing.push(format!(
                    "{schema:?}/{def}: both listed as not modelled and covered"
                ));
            } else if !listed && n < cases.required_instances(schema, def) {
                missing.push(format!(
                    "{schema:?}/{def}: {n} instance(s); need a minimal and a full one, or a not-modelled entry"
                ));
            }
        }
        for def in cases.defs_named(schema) {
            assert!(
                defs.contains(&def),
                "{schema:?}: case names a def that does not exist: {def}"
            );
        }
    }
    let counts: Vec<_> = Schema::ALL
        .iter()
        .map(|s| (s, harness::def_names(*s).len()))
        .collect();
    assert_eq!(
        counts.iter().map(|(_, n)| *n).collect::<Vec<_>>(),
        vec![145, 155, 76],
        "def counts changed: {counts:?}"
    );
    assert!(
        missing.is_empty(),
        "uncovered definitions:\n{}",
        missing.join("\n")
    );
}

#[test]
fn invalid_instances_are_rejected_with_clear_errors() {
    let cases = all_cases();
    let failures = cases.check_rejections();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(cases.rejection_count() >= 3, "too few rejection cases");
}
