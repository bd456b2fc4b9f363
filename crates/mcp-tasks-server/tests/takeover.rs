//! Execution leases on a shared store (issue 18, item 3): tasks whose server died are taken
//! over once their lease expired, by exactly one of the instances sweeping at the same time,
//! by the tool's restart policy; tasks whose lease is live stay with their instance.
//!
//! Three servers in this process on one PostgreSQL database (a uniquely named one, dropped
//! at the end); each has its own store, pool, notifier and engine, as separate processes
//! would. Skipped, saying why, when no PostgreSQL answers and `MCP_TASKS_TEST_PG` is unset.
#![cfg(all(feature = "postgres", feature = "store-conformance"))]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use mcp_tasks_server::task::notify::postgres::{PgNotifier, PgNotifierConfig};
use mcp_tasks_server::task::record::{Lease, Owner, TaskRecord, TaskRequest};
use mcp_tasks_server::task::store::TaskStore;
use mcp_tasks_server::task::store::postgres::{PgStore, testdb::TestDb};
use mcp_tasks_server::{Ctx, RestartPolicy, Server, TaskConfig, TaskEngine, ToolError, ToolRoute};
use mcp_tasks_types::Era;
use mcp_tasks_types::task::TaskStatus;
use mcp_tasks_types::tool::{CallToolResult, TaskSupport};

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Empty {}

async fn server(url: &str, runs: Arc<AtomicUsize>) -> Server {
    let store = PgStore::connect(url).await.unwrap();
    let notifier = PgNotifier::start(&store, PgNotifierConfig::default());
    let engine = TaskEngine::new(Arc::new(store))
        .with_notifier(notifier)
        .with_config(TaskConfig {
            lease: Duration::from_secs(2),
            heartbeat: Duration::from_millis(200),
            takeover_interval: Duration::from_millis(200),
            ..TaskConfig::default()
        });
    Server::builder("t", "1")
        .tool(
            ToolRoute::new("idempotent", move |ctx: Ctx, _a: Empty| {
                let runs = runs.clone();
                async move {
                    runs.fetch_add(1, Ordering::SeqCst);
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_millis(100)) => {}
                        () = ctx.cancelled().cancelled() => return Err(ToolError::Cancelled),
                    }
                    Ok(CallToolResult::text("rerun done"))
                }
            })
            .task_support(TaskSupport::Optional)
            .on_restart(RestartPolicy::Rerun),
        )
        .tool(
            ToolRoute::new("once_only", |_ctx: Ctx, _a: Empty| async move {
                Ok(CallToolResult::text("never re-run"))
            })
            .task_support(TaskSupport::Optional),
        )
        .tasks(engine)
        .build()
        .unwrap()
}

fn orphan(id: &str, tool: &str, lease: Lease) -> TaskRecord {
    TaskRecord::new(
        id.into(),
        Owner::Unbound,
        Era::Modern,
        TaskRequest {
            method: "tools/call".into(),
            name: tool.into(),
            arguments: Default::default(),
        },
        1,
        None,
        None,
    )
    .with_lease(Some(lease))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn takeover_shared_store_exactly_one_instance_takes_each_expired_task() {
    let Some(db) = TestDb::create("takeover").await else {
        return;
    };
    let runs = Arc::new(AtomicUsize::new(0));
    let servers = [
        server(&db.url, runs.clone()).await,
        server(&db.url, runs.clone()).await,
        server(&db.url, runs.clone()).await,
    ];
    let store = PgStore::connect(&db.url).await.unwrap();
    let dead = Lease {
        holder: "dead-instance".into(),
        until_ms: 1_000,
    };
    let alive = Lease {
        holder: "live-instance".into(),
        until_ms: u64::MAX / 2,
    };
    for i in 0..20 {
        store
            .create(orphan(&format!("rerun-{i:02}"), "idempotent", dead.clone()))
            .await
            .unwrap();
        store
            .create(orphan(&format!("fail-{i:02}"), "once_only", dead.clone()))
            .await
            .unwrap();
    }
    store
        .create(orphan("running-elsewhere", "idempotent", alive.clone()))
        .await
        .unwrap();

    // Every instance sweeps at once.
    let (a, b, c) = tokio::join!(servers[0].start(), servers[1].start(), servers[2].start());
    a.unwrap();
    b.unwrap();
    c.unwrap();

    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut pending = 0;
        for i in 0..20 {
            for id in [format!("rerun-{i:02}"), format!("fail-{i:02}")] {
                let (r, _) = store.get(id).await.unwrap().unwrap();
                if !r.is_terminal() {
                    pending += 1;
                }
            }
        }
        if pending == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{pending} tasks never resolved");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for i in 0..20 {
        let (r, _) = store.get(format!("rerun-{i:02}")).await.unwrap().unwrap();
        assert_eq!(r.status(), TaskStatus::Completed, "{}", r.id);
        let (r, _) = store.get(format!("fail-{i:02}")).await.unwrap().unwrap();
        assert_eq!(r.status(), TaskStatus::Failed, "{}", r.id);
        let msg = r.status_message.unwrap_or_default();
        assert!(msg.contains("server running this task stopped"), "{msg}");
    }
    assert_eq!(
        runs.load(Ordering::SeqCst),
        20,
        "each Rerun task ran exactly once across the three instances"
    );
    // A task whose lease is live belongs to its (live) instance: nobody touched it.
    let (r, _) = store
        .get("running-elsewhere".into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.status(), TaskStatus::Working);
    assert_eq!(r.lease, Some(alive));
    // Several sweeps later, still exactly once.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(runs.load(Ordering::SeqCst), 20);
}
