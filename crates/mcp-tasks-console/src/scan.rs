//! Reading the store for a page: one bounded scan, then filters, counts and rates.

use std::collections::BTreeSet;

use mcp_tasks_server::task::record::{Owner, TaskRecord};
use mcp_tasks_server::{Operator, StoreError};
use mcp_tasks_types::task::TaskStatus;
use serde::Deserialize;

/// How many records one store read asks for.
const PAGE: usize = 500;

/// The filters of the task table (query parameters; empty means "any").
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Filter {
    #[serde(default)]
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) tool: String,
    #[serde(default)]
    pub(crate) owner: String,
    #[serde(default)]
    pub(crate) q: String,
}

impl Filter {
    pub(crate) fn is_empty(&self) -> bool {
        self.status.is_empty() && self.tool.is_empty() && self.owner.is_empty() && self.q.is_empty()
    }

    pub(crate) fn admits(&self, r: &TaskRecord) -> bool {
        let status_ok = self.status.is_empty() || r.status().as_str() == self.status;
        let tool_ok = self.tool.is_empty() || r.request.name == self.tool;
        let owner = owner_text(&r.owner).to_lowercase();
        let owner_ok = self.owner.is_empty() || owner.contains(&self.owner.trim().to_lowercase());
        let q = self.q.trim().to_lowercase();
        let text_ok = q.is_empty()
            || r.id.to_lowercase().contains(&q)
            || r.request.name.to_lowercase().contains(&q)
            || owner.contains(&q)
            || r.status_message
                .as_deref()
                .is_some_and(|m| m.to_lowercase().contains(&q))
            || (!r.request.arguments.is_empty()
                && serde_json::to_string(&r.request.arguments)
                    .is_ok_and(|a| a.to_lowercase().contains(&q)));
        status_ok && tool_ok && owner_ok && text_ok
    }
}

/// An owner as shown (and searched).
pub(crate) fn owner_text(o: &Owner) -> String {
    match o {
        Owner::Principal(p) => format!("principal {p}"),
        Owner::Session(s) => format!("session {s}"),
        Owner::Unbound => "anyone with the id".into(),
    }
}

/// What one scan of the store saw.
#[derive(Debug)]
pub(crate) struct Scan {
    pub(crate) tasks: Vec<TaskRecord>,
    /// The scan stopped at the limit: the store holds more.
    pub(crate) truncated: bool,
    pub(crate) now_ms: u64,
}

/// Reads up to `max` tasks, newest first.
pub(crate) async fn scan(op: &Operator, max: usize) -> Result<Scan, StoreError> {
    let mut tasks = Vec::new();
    let mut after = None;
    let mut truncated = false;
    loop {
        let (page, next) = op.list(after, PAGE).await?;
        tasks.extend(page);
        if tasks.len() > max {
            tasks.truncate(max);
            truncated = true;
            break;
        }
        match next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    tasks.sort_by(|a, b| b.created_at_ms.cmp(&a.created_at_ms).then(a.id.cmp(&b.id)));
    Ok(Scan {
        tasks,
        truncated,
        now_ms: op.now_ms(),
    })
}

/// Counts by status and rates over a window.
#[derive(Debug, PartialEq)]
pub(crate) struct Stats {
    pub(crate) total: usize,
    pub(crate) by_status: Vec<(TaskStatus, usize)>,
    /// Tasks created per minute over the window.
    pub(crate) created_per_min: f64,
    /// Tasks completed per minute over the window.
    pub(crate) completed_per_min: f64,
    /// Tasks that failed or were cancelled per minute over the window.
    pub(crate) ended_otherwise_per_min: f64,
}

pub(crate) fn stats(tasks: &[TaskRecord], now_ms: u64, window_ms: u64) -> Stats {
    let since = now_ms.saturating_sub(window_ms);
    let minutes = (window_ms as f64 / 60_000.0).max(1.0 / 60.0);
    let by_status = TaskStatus::ALL
        .iter()
        .map(|s| (*s, tasks.iter().filter(|t| t.status() == *s).count()))
        .collect();
    let created = tasks.iter().filter(|t| t.created_at_ms >= since).count();
    let ended = |f: fn(TaskStatus) -> bool| {
        tasks
            .iter()
            .filter(|t| f(t.status()) && t.updated_at_ms >= since)
            .count()
    };
    Stats {
        total: tasks.len(),
        by_status,
        created_per_min: created as f64 / minutes,
        completed_per_min: ended(|s| s == TaskStatus::Completed) as f64 / minutes,
        ended_otherwise_per_min: ended(|s| matches!(s, TaskStatus::Failed | TaskStatus::Cancelled))
            as f64
            / minutes,
    }
}

/// The tool names seen, for the tool filter.
pub(crate) fn tools(tasks: &[TaskRecord]) -> BTreeSet<&str> {
    tasks.iter().map(|t| t.request.name.as_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use mcp_tasks_server::task::record::TaskRequest;
    use mcp_tasks_server::task::state::TaskEvent;
    use mcp_tasks_types::Era;

    fn task(id: &str, tool: &str, owner: Owner, created: u64) -> TaskRecord {
        TaskRecord::new(
            id.into(),
            owner,
            Era::Modern,
            TaskRequest {
                method: "tools/call".into(),
                name: tool.into(),
                arguments: Default::default(),
            },
            created,
            None,
            None,
        )
    }

    #[test]
    fn filters_match_status_tool_owner_and_text() {
        let mut a = task("aaa", "slow_compute", Owner::Session("s-123".into()), 0);
        a.request
            .arguments
            .insert("label".into(), "Quarterly numbers".into());
        a.status_message = Some("Computing the Report".into());
        let b = task("bbb", "confirm_delete", Owner::Principal("alice".into()), 0);
        let f = |status: &str, tool: &str, owner: &str, q: &str| Filter {
            status: status.into(),
            tool: tool.into(),
            owner: owner.into(),
            q: q.into(),
        };
        assert!(f("", "", "", "").admits(&a) && f("", "", "", "").is_empty());
        assert!(f("working", "", "", "").admits(&a));
        assert!(!f("completed", "", "", "").admits(&a));
        assert!(f("", "confirm_delete", "", "").admits(&b));
        assert!(!f("", "confirm_delete", "", "").admits(&a));
        assert!(f("", "", "ALICE", "").admits(&b));
        assert!(!f("", "", "alice", "").admits(&a));
        assert!(f("", "", "", "report").admits(&a));
        assert!(f("", "", "", "bbb").admits(&b));
        assert!(!f("", "", "", "report").admits(&b));
        assert!(
            f("", "", "", "quarterly").admits(&a),
            "arguments are searched"
        );
    }

    #[test]
    fn counts_and_rates_over_the_window() {
        let now = 10 * 60_000;
        let mut done = task("a", "t", Owner::Unbound, now - 60_000);
        done.apply(TaskEvent::Completed, now - 30_000).unwrap();
        let mut old = task("b", "t", Owner::Unbound, 0);
        old.apply(TaskEvent::Failed, 1000).unwrap();
        let live = task("c", "t", Owner::Unbound, now - 1000);
        let s = stats(&[done, old, live], now, 120_000);
        assert_eq!(s.total, 3);
        assert_eq!(s.by_status[0], (TaskStatus::Working, 1));
        assert_eq!(s.by_status[2], (TaskStatus::Completed, 1));
        assert_eq!(s.by_status[3], (TaskStatus::Failed, 1));
        assert_eq!(s.created_per_min, 1.0); // 2 in 2 min
        assert_eq!(s.completed_per_min, 0.5);
        assert_eq!(s.ended_otherwise_per_min, 0.0);
    }
}
