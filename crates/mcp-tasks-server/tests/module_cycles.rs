//! The server crate's top-level modules form no import cycle. (The task domain is its own
//! crate, `mcp-tasks-core`, re-exported as `task`; its own test checks that it stays apart
//! from the protocol.)
//!
//! The graph is read from the sources: every `crate::X` path (comments and unit tests
//! left out), with the crate root's re-exports resolved to the module defining them, and
//! the root's own `X::` paths.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Crate-root re-exports, by the module that defines them.
const ROOT_ITEMS: &[(&str, &str)] = &[
    ("Ctx", "ctx"),
    ("Elicitation", "ctx"),
    ("Report", "ctx"),
    ("ToolError", "error"),
    ("Args", "registry"),
    ("FromToolCall", "registry"),
    ("IntoToolResult", "registry"),
    ("Json", "registry"),
    ("State", "registry"),
    ("ToolCall", "registry"),
    ("ToolFailure", "registry"),
    ("ToolHandler", "registry"),
    ("handler", "registry"),
    ("PromptRoute", "registry"),
    ("ResourceRoute", "registry"),
    ("ResourceTemplateRoute", "registry"),
    ("RestartPolicy", "registry"),
    ("ToolRoute", "registry"),
    ("StateSealer", "mrtr"),
];

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Names the crate root re-exports from other crates (the task domain crate): not modules
/// of this crate, so not part of its graph.
const EXTERNAL: &[&str] = &[
    "task",
    "TaskConfig",
    "TaskEngine",
    "TaskError",
    "Operator",
    "DynTaskStore",
    "StoreError",
    "TaskStore",
];

/// `crate::NAME` occurrences (also inside `crate::{A, B}` groups) of code, not comments.
fn crate_paths(src: &str) -> BTreeSet<String> {
    let code: String = src
        .split("#[cfg(test)]\nmod tests")
        .next()
        .unwrap_or(src)
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + 7..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = group.split('}').next().unwrap_or("");
            for item in group.split(',') {
                let name = item.trim().split("::").next().unwrap_or("").trim();
                if !name.is_empty() {
                    out.insert(name.to_owned());
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.insert(name);
        }
    }
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let modules: BTreeSet<String> = all.iter().map(|p| top_module(&src, p)).collect();
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for p in &all {
        let top = top_module(&src, p);
        let text = std::fs::read_to_string(p).unwrap();
        let mut names = crate_paths(&text);
        if top == "lib" {
            // The root names its modules without `crate::`; `mod x;` and re-exports
            // (`pub use x::..`) are not imports.
            for m in &modules {
                let pat = format!("{m}::");
                let used = text
                    .lines()
                    .map(|l| l.split("//").next().unwrap_or(""))
                    .filter(|l| !l.trim_start().starts_with("pub use"))
                    .any(|l| {
                        l.match_indices(&pat).any(|(i, _)| {
                            i == 0 || !l[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_')
                        })
                    });
                if used {
                    names.insert(m.clone());
                }
            }
        }
        let entry = g.entry(top.clone()).or_default();
        for n in names
            .into_iter()
            .filter(|n| !EXTERNAL.contains(&n.as_str()))
        {
            let m = ROOT_ITEMS
                .iter()
                .find(|(item, _)| *item == n)
                .map(|(_, m)| (*m).to_owned())
                .unwrap_or_else(|| {
                    if modules.contains(&n) {
                        n.clone()
                    } else {
                        "lib".to_owned()
                    }
                });
            if m != top {
                entry.insert(m);
            }
        }
    }
    g
}

fn top_module(src: &Path, p: &Path) -> String {
    let rel = p.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_owned()
}

/// Modules reachable from `from`.
fn reach(g: &BTreeMap<String, BTreeSet<String>>, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![from.to_owned()];
    while let Some(m) = todo.pop() {
        for d in g.get(&m).into_iter().flatten() {
            if seen.insert(d.clone()) {
                todo.push(d.clone());
            }
        }
    }
    seen
}

#[test]
fn server_modules_have_no_import_cycle() {
    let g = graph();
    assert!(g.len() >= 10, "the graph looks empty: {g:?}");
    let cycles: Vec<_> = g.keys().filter(|m| reach(&g, m).contains(*m)).collect();
    assert!(
        cycles.is_empty(),
        "modules on an import cycle: {cycles:?}\ngraph: {g:#?}"
    );
    // What the graph must look like where it matters: the protocol side sits above the
    // error type and the outbox, never the other way round.
    assert!(reach(&g, "dispatch").contains("error"));
    assert!(!reach(&g, "error").contains("dispatch"));
    assert!(!reach(&g, "outbox").contains("ctx"));
}
