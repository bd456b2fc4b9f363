//! What the CLI remembers about the tasks it started, so that another `mcp-tasks` process
//! can follow them: for a Tasks v1 task (2025-11-25) over HTTP, the legacy session it belongs
//! to. Tasks of the 2026-07-28 extension need nothing saved (their id is enough).
//!
//! One JSON file per task in `--state-dir` / `$MCP_TASKS_STATE_DIR`, else
//! `$XDG_STATE_HOME/mcp-tasks`, else `~/.local/state/mcp-tasks`. Written when a call creates
//! a v1 task, removed once the task's outcome has been read.

use std::path::{Path, PathBuf};

use mcp_tasks_client::LegacySession;
use serde::{Deserialize, Serialize};

/// One saved task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SavedTask {
    /// The endpoint the task lives on.
    pub(crate) url: String,
    /// The legacy session it belongs to.
    pub(crate) session: LegacySession,
}

/// The state directory: `explicit`, else the XDG default.
pub(crate) fn dir(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(d) = explicit {
        return Some(d.to_owned());
    }
    if let Some(x) = std::env::var_os("XDG_STATE_HOME").filter(|x| !x.is_empty()) {
        return Some(PathBuf::from(x).join("mcp-tasks"));
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".local/state/mcp-tasks"))
}

/// The file of `task_id`: the id with anything but `[A-Za-z0-9._-]` percent-encoded (task
/// ids are server-chosen strings).
fn file(dir: &Path, task_id: &str) -> PathBuf {
    escaped(dir, "task-", task_id)
}

/// The credentials file of the server at `url` (see `auth.rs`).
pub(crate) fn auth_file(dir: &Path, url: &str) -> PathBuf {
    escaped(dir, "auth-", url)
}

/// `dir/{prefix}{key}.json`, the key with anything but `[A-Za-z0-9._-]` percent-encoded.
fn escaped(dir: &Path, prefix: &str, key: &str) -> PathBuf {
    let mut name = String::from(prefix);
    for b in key.bytes() {
        // The prefix keeps even `..` from being a path component.
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
            name.push(b as char);
        } else {
            name.push_str(&format!("%{b:02X}"));
        }
    }
    name.push_str(".json");
    dir.join(name)
}

/// Saves `task` under `task_id`.
pub(crate) fn save(dir: &Path, task_id: &str, task: &SavedTask) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = file(dir, task_id);
    let tmp = path.with_extension("json.tmp");
    let text = serde_json::to_string_pretty(task).map_err(std::io::Error::other)?;
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

/// The saved task `task_id`, if any (an unreadable file counts as none).
pub(crate) fn load(dir: &Path, task_id: &str) -> Option<SavedTask> {
    let text = std::fs::read_to_string(file(dir, task_id)).ok()?;
    match serde_json::from_str(&text) {
        Ok(t) => Some(t),
        Err(e) => {
            tracing::warn!("ignoring the unreadable state of task {task_id}: {e}");
            None
        }
    }
}

/// Forgets `task_id`.
pub(crate) fn remove(dir: &Path, task_id: &str) {
    let _ = std::fs::remove_file(file(dir, task_id));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_tasks_round_trip_and_ids_are_escaped() {
        let dir = std::env::temp_dir().join(format!("mcp-tasks-state-test-{}", std::process::id()));
        let task = SavedTask {
            url: "http://127.0.0.1:1/mcp".into(),
            session: LegacySession {
                session_id: "s-1".into(),
                protocol_version: "2025-11-25".into(),
                capabilities: Default::default(),
                server_info: None,
            },
        };
        let id = "../a b/é";
        let path = save(&dir, id, &task).unwrap();
        assert_eq!(path.parent(), Some(dir.as_path()));
        assert_eq!(
            path.file_name().unwrap().to_str().unwrap(),
            "task-..%2Fa%20b%2F%C3%A9.json"
        );
        assert_eq!(load(&dir, id), Some(task));
        remove(&dir, id);
        assert_eq!(load(&dir, id), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
