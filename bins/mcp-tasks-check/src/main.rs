//! `mcp-tasks-check`: the conformance checker (issue: Conformance checker). Not written yet.

fn main() {
    eprintln!(
        "mcp-tasks-check: the conformance checker is not implemented yet (see the open issue)"
    );
    std::process::exit(2);
}
