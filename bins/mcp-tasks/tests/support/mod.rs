//! Helpers shared by the CLI's integration tests.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// `target/debug/mcp-tasks-server`, built once (an existing binary is used if the build
/// fails while someone edits the server).
pub(crate) fn server_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let cli = PathBuf::from(env!("CARGO_BIN_EXE_mcp-tasks"));
        let bin = cli.with_file_name("mcp-tasks-server");
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        let built = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "--bin", "mcp-tasks-server"])
            .current_dir(root)
            .status();
        assert!(
            built.is_ok_and(|s| s.success()) || bin.exists(),
            "cannot build mcp-tasks-server"
        );
        bin
    })
    .clone()
}
