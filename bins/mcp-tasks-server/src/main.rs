//! `mcp-tasks-server`: the reference server.

use mcp_tasks_types::{Era, ProtocolVersion};

fn main() {
    println!("mcp-tasks-server: protocol revisions supported:");
    for v in [
        ProtocolVersion::LATEST_LEGACY,
        ProtocolVersion::LATEST_MODERN,
    ] {
        let era = match v.era() {
            Era::Legacy => "legacy era: initialize handshake, sessions, Tasks v1",
            Era::Modern => "modern era: stateless, server/discover, MRTR, tasks extension",
        };
        println!("  {v}  ({era})");
    }
}
