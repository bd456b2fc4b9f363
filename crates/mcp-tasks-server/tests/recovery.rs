//! Restart recovery (issue 13): a task left running by a previous process is resolved by
//! its tool's restart policy when the server starts, and a recovery that cannot write its
//! resolution fails `Server::start` loudly instead of leaving the task `working` for good.

mod common;

use std::sync::Arc;

use futures_util::future::{BoxFuture, FutureExt};
use mcp_tasks_server::task::record::{Owner, TaskRecord, TaskRequest};
use mcp_tasks_server::task::store::{
    ListQuery, StoreError, TaskStore, Version, memory::MemoryStore,
};
use mcp_tasks_server::{Server, TaskEngine};
use mcp_tasks_types::Era;
use mcp_tasks_types::task::TaskStatus;

/// A real memory store whose updates fail as a full disk would.
struct ReadOnly(MemoryStore);

impl TaskStore for ReadOnly {
    fn name(&self) -> &'static str {
        "read-only"
    }
    fn is_shared(&self) -> bool {
        self.0.is_shared()
    }
    fn create(&self, r: TaskRecord) -> BoxFuture<'_, Result<Version, StoreError>> {
        self.0.create(r)
    }
    fn get(&self, id: String) -> BoxFuture<'_, Result<Option<(TaskRecord, Version)>, StoreError>> {
        self.0.get(id)
    }
    fn update(&self, _: TaskRecord, _: Version) -> BoxFuture<'_, Result<Version, StoreError>> {
        async {
            Err(StoreError::Backend {
                store: "read-only",
                source: "no space left on device".into(),
            })
        }
        .boxed()
    }
    fn delete(&self, id: String) -> BoxFuture<'_, Result<bool, StoreError>> {
        self.0.delete(id)
    }
    fn list(&self, q: ListQuery) -> BoxFuture<'_, Result<Vec<TaskRecord>, StoreError>> {
        self.0.list(q)
    }
    fn count_live(&self, o: Owner, n: usize) -> BoxFuture<'_, Result<usize, StoreError>> {
        self.0.count_live(o, n)
    }
    fn purge_expired(&self, now: u64) -> BoxFuture<'_, Result<usize, StoreError>> {
        self.0.purge_expired(now)
    }
    fn claim(
        &self,
        _: TaskRecord,
        _: Version,
        _: u64,
    ) -> BoxFuture<'_, Result<Version, StoreError>> {
        async {
            Err(StoreError::Backend {
                store: "read-only",
                source: "no space left on device".into(),
            })
        }
        .boxed()
    }
    fn renew_leases(
        &self,
        holder: String,
        ids: Vec<String>,
        until: u64,
    ) -> BoxFuture<'_, Result<Vec<String>, StoreError>> {
        self.0.renew_leases(holder, ids, until)
    }
    fn list_unleased(
        &self,
        before: u64,
        after: Option<String>,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<(TaskRecord, Version)>, StoreError>> {
        self.0.list_unleased(before, after, limit)
    }
}

fn left_running(id: &str) -> TaskRecord {
    TaskRecord::new(
        id.into(),
        Owner::Unbound,
        Era::Modern,
        TaskRequest {
            method: "tools/call".into(),
            name: "no_such_tool_any_more".into(),
            arguments: Default::default(),
        },
        0,
        None,
        None,
    )
}

fn server(store: Arc<dyn TaskStore>) -> Server {
    common::tools::register(Server::builder("t", "1"))
        .tasks(TaskEngine::new(store))
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_task_left_running_is_failed_at_start() {
    let store = Arc::new(MemoryStore::new());
    store.create(left_running("orphan")).await.unwrap();
    server(store.clone()).start().await.unwrap();
    let (r, _) = store.get("orphan".into()).await.unwrap().unwrap();
    assert_eq!(r.status(), TaskStatus::Failed);
    assert!(
        r.status_message
            .as_deref()
            .unwrap_or("")
            .contains("restarted"),
        "{:?}",
        r.status_message
    );
}

#[tokio::test]
async fn a_recovery_that_cannot_write_fails_the_start() {
    let inner = MemoryStore::new();
    inner.create(left_running("orphan")).await.unwrap();
    let err = server(Arc::new(ReadOnly(inner)))
        .start()
        .await
        .expect_err("a start that left a task unresolved");
    let msg = err.to_string();
    assert!(
        msg.contains("orphan") && msg.contains("no space left"),
        "{msg}"
    );
}
