//! `mcp-tasks`: the client CLI (issue: Client). Not written yet.

fn main() {
    eprintln!("mcp-tasks: the client CLI is not implemented yet (see the open issue)");
    std::process::exit(2);
}
