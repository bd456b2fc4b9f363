//! LISTEN/NOTIFY between instances on one PostgreSQL task database.
//!
//! - Publishing: ids queue in memory and one background task sends whatever is queued with
//!   one `SELECT pg_notify(..) FROM unnest(..)` on the store's pool, after the change has
//!   committed. Each payload is `INSTANCE:TASKID`, so an instance ignores its own.
//! - Listening: one dedicated connection (not pooled) runs `LISTEN`. When it drops, or stops
//!   answering the periodic ping, it is re-opened after a delay, and every (re)connection is
//!   reported as [`NotifierEvent::Resync`] so the engine re-reads what it watches.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::{broadcast, mpsc};
use tokio_postgres::{AsyncMessage, NoTls};
use tokio_util::sync::CancellationToken;

use super::{NotifierEvent, TaskNotifier};
use crate::store::postgres::PgStore;

/// The NOTIFY channel.
pub const CHANNEL: &str = "mcp_tasks";
/// The `application_name` of the listening connection (shows in `pg_stat_activity`).
pub const LISTEN_APPLICATION_NAME: &str = "mcp-tasks-listen";

/// Timings of a [`PgNotifier`].
#[derive(Debug, Clone)]
pub struct PgNotifierConfig {
    /// Wait before re-opening a dropped LISTEN connection.
    pub reconnect_delay: Duration,
    /// How often the LISTEN connection is checked with a query (a silently dead connection
    /// is found within this interval).
    pub ping_interval: Duration,
    /// Most ids sent by one NOTIFY statement.
    pub max_batch: usize,
}

impl Default for PgNotifierConfig {
    fn default() -> Self {
        PgNotifierConfig {
            reconnect_delay: Duration::from_millis(500),
            ping_interval: Duration::from_secs(5),
            max_batch: 256,
        }
    }
}

/// A [`TaskNotifier`] on PostgreSQL LISTEN/NOTIFY. Dropping it stops its background tasks.
pub struct PgNotifier {
    instance: String,
    out: mpsc::UnboundedSender<String>,
    events: broadcast::Sender<NotifierEvent>,
    stop: CancellationToken,
}

impl std::fmt::Debug for PgNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgNotifier")
            .field("instance", &self.instance)
            .finish_non_exhaustive()
    }
}

impl Drop for PgNotifier {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl PgNotifier {
    /// Starts listening and publishing on `store`'s database. Must run inside a tokio runtime.
    pub fn start(store: &PgStore, config: PgNotifierConfig) -> Arc<Self> {
        let instance = crate::clock::random_id();
        let (out, rx) = mpsc::unbounded_channel();
        let events = broadcast::channel(4096).0;
        let stop = CancellationToken::new();
        tokio::spawn(publisher(
            store.clone(),
            instance.clone(),
            rx,
            config.max_batch.max(1),
            stop.clone(),
        ));
        let mut listen_cfg = store.pg_config().clone();
        listen_cfg.application_name(LISTEN_APPLICATION_NAME);
        tokio::spawn(listener(
            listen_cfg,
            instance.clone(),
            events.clone(),
            config,
            stop.clone(),
        ));
        Arc::new(PgNotifier {
            instance,
            out,
            events,
            stop,
        })
    }
}

impl TaskNotifier for PgNotifier {
    fn name(&self) -> &'static str {
        "postgres"
    }

    fn publish(&self, id: &str) {
        let _ = self.out.send(id.to_owned());
    }

    fn subscribe(&self) -> broadcast::Receiver<NotifierEvent> {
        self.events.subscribe()
    }
}

async fn publisher(
    store: PgStore,
    instance: String,
    mut rx: mpsc::UnboundedReceiver<String>,
    max: usize,
    stop: CancellationToken,
) {
    let mut batch = Vec::with_capacity(max);
    loop {
        let n = tokio::select! {
            n = rx.recv_many(&mut batch, max) => n,
            () = stop.cancelled() => return,
        };
        if n == 0 {
            return;
        }
        batch.sort_unstable();
        batch.dedup();
        let payloads: Vec<String> = batch
            .drain(..)
            .map(|id| format!("{instance}:{id}"))
            .collect();
        let sent = async {
            let c = store.client().await?;
            c.execute(
                "SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p",
                &[&CHANNEL, &payloads],
            )
            .await
            .map_err(crate::store::postgres::backend)
        }
        .await;
        if let Err(e) = sent {
            // The other instances notice the change at their next re-read instead (waiters and
            // subscriptions every recheck interval, running handlers at their lease renewal).
            tracing::warn!(error = %e, ids = payloads.len(), "NOTIFY of task changes failed");
        }
    }
}

async fn listener(
    cfg: tokio_postgres::Config,
    instance: String,
    events: broadcast::Sender<NotifierEvent>,
    config: PgNotifierConfig,
    stop: CancellationToken,
) {
    loop {
        match cfg.connect(NoTls).await {
            Ok((client, mut conn)) => {
                let (ntx, mut nrx) = mpsc::unbounded_channel();
                // The connection object delivers notifications; drive it in its own task.
                let driver = tokio::spawn(async move {
                    let mut messages =
                        futures_util::stream::poll_fn(move |cx| conn.poll_message(cx));
                    while let Some(m) = messages.next().await {
                        match m {
                            Ok(AsyncMessage::Notification(n)) => {
                                if ntx.send(n.payload().to_owned()).is_err() {
                                    return;
                                }
                            }
                            Ok(_) => {}
                            Err(e) => {
                                tracing::warn!(error = %e, "LISTEN connection failed");
                                return;
                            }
                        }
                    }
                });
                match client.batch_execute(&format!("LISTEN {CHANNEL}")).await {
                    Ok(()) => {
                        tracing::debug!("listening for task changes");
                        // Whatever happened while not listening is unknown: re-read.
                        let _ = events.send(NotifierEvent::Resync);
                        let mut ping = tokio::time::interval(config.ping_interval);
                        ping.tick().await;
                        loop {
                            tokio::select! {
                                p = nrx.recv() => match p {
                                    Some(p) => {
                                        if let Some((from, id)) = p.split_once(':') {
                                            if from != instance {
                                                let _ = events.send(NotifierEvent::Changed(id.to_owned()));
                                            }
                                        }
                                    }
                                    None => break,
                                },
                                _ = ping.tick() => {
                                    if let Err(e) = client.simple_query("SELECT 1").await {
                                        tracing::warn!(error = %e, "LISTEN connection stopped answering");
                                        break;
                                    }
                                }
                                () = stop.cancelled() => {
                                    driver.abort();
                                    return;
                                }
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "LISTEN failed"),
                }
                driver.abort();
            }
            Err(e) => tracing::warn!(error = %e, "cannot open the LISTEN connection"),
        }
        tokio::select! {
            () = tokio::time::sleep(config.reconnect_delay) => {}
            () = stop.cancelled() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::postgres::testdb::TestDb;

    async fn next_event(rx: &mut broadcast::Receiver<NotifierEvent>) -> NotifierEvent {
        tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("an event within 10 s")
            .expect("open channel")
    }

    #[tokio::test]
    async fn changes_reach_the_other_instance_and_survive_a_dropped_connection() {
        let Some(db) = TestDb::create("notify").await else {
            return;
        };
        let store = PgStore::connect(&db.url).await.unwrap();
        let cfg = PgNotifierConfig {
            reconnect_delay: Duration::from_millis(50),
            ..PgNotifierConfig::default()
        };
        let a = PgNotifier::start(&store, cfg.clone());
        let b = PgNotifier::start(&store, cfg);
        let mut on_a = a.subscribe();
        let mut on_b = b.subscribe();
        assert_eq!(next_event(&mut on_a).await, NotifierEvent::Resync);
        assert_eq!(next_event(&mut on_b).await, NotifierEvent::Resync);

        a.publish("t-1");
        assert_eq!(
            next_event(&mut on_b).await,
            NotifierEvent::Changed("t-1".into())
        );
        // A never hears its own change.
        b.publish("t-2");
        assert_eq!(
            next_event(&mut on_a).await,
            NotifierEvent::Changed("t-2".into())
        );

        // Kill every LISTEN connection from the server side: both reconnect and resync.
        let c = store.client().await.unwrap();
        let killed = c
            .query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                 WHERE application_name = $1 AND datname = current_database()",
                &[&LISTEN_APPLICATION_NAME],
            )
            .await
            .unwrap();
        assert_eq!(killed.len(), 2);
        assert_eq!(next_event(&mut on_b).await, NotifierEvent::Resync);
        assert_eq!(next_event(&mut on_a).await, NotifierEvent::Resync);
        a.publish("t-3");
        assert_eq!(
            next_event(&mut on_b).await,
            NotifierEvent::Changed("t-3".into())
        );
    }

    /// A v1 `tasks/result` waiting on instance B returns when instance A finishes the task,
    /// woken by NOTIFY (B's store recheck is set far beyond the test's deadline).
    #[tokio::test]
    async fn a_waiter_on_b_returns_when_a_finishes_the_task() {
        use crate::engine::{TaskConfig, TaskEngine};
        use crate::record::{Owner, TaskRecord, TaskRequest};
        use crate::state::TaskEvent;

        let Some(db) = TestDb::create("waiter").await else {
            return;
        };
        let engine = |store: PgStore| {
            let n = PgNotifier::start(&store, PgNotifierConfig::default());
            let e = Arc::new(
                TaskEngine::new(Arc::new(store))
                    .with_notifier(n)
                    .with_config(TaskConfig {
                        recheck_interval: Duration::from_secs(3600),
                        ..TaskConfig::default()
                    }),
            );
            e.follow_notifier();
            e
        };
        let a = engine(PgStore::connect(&db.url).await.unwrap());
        let b = engine(PgStore::connect(&db.url).await.unwrap());
        let owner = Owner::Session("s".into());
        let rec = TaskRecord::new(
            "w-1".into(),
            owner.clone(),
            mcp_tasks_types::Era::Legacy,
            TaskRequest {
                method: "tools/call".into(),
                name: "t".into(),
                arguments: Default::default(),
            },
            a.now(),
            None,
            None,
        );
        a.create(rec).await.unwrap();
        let cancel = CancellationToken::new();
        let waiter = {
            let b = b.clone();
            let owner = owner.clone();
            tokio::spawn(async move { b.wait_terminal("w-1", &owner, &cancel).await })
        };
        // Let B read the task (working) and start waiting before A finishes it.
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!waiter.is_finished());
        let now = a.now();
        a.modify("w-1", |r| {
            r.apply(TaskEvent::Completed, now).unwrap();
            Ok(true)
        })
        .await
        .unwrap();
        let done = tokio::time::timeout(Duration::from_secs(10), waiter)
            .await
            .expect("B's waiter woke up long before its 1 h recheck")
            .unwrap()
            .unwrap();
        assert!(done.is_terminal());
    }
}
