//! The task engine: creates tasks, runs their handlers, moves records through the state
//! machine with compare-and-swap writes, and publishes every change.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures_util::future::BoxFuture;
use mcp_tasks_types::JsonObject;
use mcp_tasks_types::jsonrpc::ErrorObject;
use mcp_tasks_types::mrtr::{InputRequest, InputResponse, InputResponses};
use mcp_tasks_types::tool::CallToolResult;
use parking_lot::Mutex;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::clock::{Clock, SystemClock};
use super::notify::{LocalNotifier, NotifierEvent, TaskNotifier};
use super::record::{Lease, Outcome, Owner, TaskRecord};
use super::state::TaskEvent;
use super::store::{DynTaskStore, ListQuery, StoreError};
use crate::TaskError;

/// Limits and timings of the task engine. Every limit is explicit.
#[derive(Debug, Clone)]
pub struct TaskConfig {
    /// TTL given to tasks that ask for none (`None`: unlimited).
    pub default_ttl: Option<Duration>,
    /// Largest TTL a task may have (v1 requests are clamped to it).
    pub max_ttl: Duration,
    /// Suggested poll interval (`pollIntervalMs` / `pollInterval`).
    pub poll_interval: Duration,
    /// Most live (non-terminal) tasks one owner may have.
    pub max_live_per_owner: usize,
    /// Most live tasks of an unauthenticated owner (a legacy session without principal, or
    /// every anonymous modern caller together), when it differs from `max_live_per_owner`:
    /// servers that require OAuth but admit anonymous callers give them a small quota.
    /// `None`: `max_live_per_owner`.
    pub max_live_anonymous: Option<usize>,
    /// Most tasks this instance runs at once, whoever owns them (`None`: no cap), so that
    /// many principals each within their quota cannot exhaust the server together.
    pub max_running: Option<usize>,
    /// Most input requests one task may have outstanding.
    pub max_input_keys: usize,
    /// How often expired tasks are purged.
    pub purge_interval: Duration,
    /// While waiting for an answer, how often to re-read the store (answers may arrive
    /// through another server instance sharing the store).
    pub recheck_interval: Duration,
    /// Page size of v1 `tasks/list`.
    pub list_page_size: usize,
    /// How long an execution lease lasts without a heartbeat: with a shared store, a task
    /// whose server died is taken over this long after its last heartbeat (plus at most one
    /// `takeover_interval`).
    pub lease: Duration,
    /// How often this instance renews the leases of the tasks it runs (shared stores). Must
    /// be well below `lease`.
    pub heartbeat: Duration,
    /// How often this instance looks for tasks with expired leases (shared stores).
    pub takeover_interval: Duration,
    /// Tasks v1: how long a task's request for input (elicitation, sampling, roots) waits
    /// for the requestor to see `input_required` (a `tasks/get` answering it) before it goes
    /// on the session's standalone stream anyway. An open `tasks/result` stream gets it at
    /// once. A requestor learns of a task from the `tools/call` reply, which travels on
    /// another connection: a request sent before it could see `input_required` may arrive
    /// before it knows the task, and a client that matches requests to tasks (the
    /// `@modelcontextprotocol/ext-tasks` library) then declines it.
    pub v1_input_grace: Duration,
}

impl Default for TaskConfig {
    fn default() -> Self {
        TaskConfig {
            default_ttl: Some(Duration::from_secs(3600)),
            max_ttl: Duration::from_secs(24 * 3600),
            poll_interval: Duration::from_millis(250),
            max_live_per_owner: 1000,
            max_live_anonymous: None,
            max_running: Some(10_000),
            max_input_keys: 16,
            purge_interval: Duration::from_secs(30),
            recheck_interval: Duration::from_millis(500),
            list_page_size: 50,
            lease: Duration::from_secs(15),
            heartbeat: Duration::from_secs(5),
            takeover_interval: Duration::from_secs(5),
            v1_input_grace: Duration::from_secs(2),
        }
    }
}

/// What [`TaskEngine::set_hook`] takes.
pub type ChangeHook = Arc<dyn Fn(&TaskRecord) + Send + Sync>;

/// First and longest wait between attempts to store a finished task's outcome.
const OUTCOME_RETRY_FIRST: Duration = Duration::from_millis(100);
const OUTCOME_RETRY_MAX: Duration = Duration::from_secs(5);

/// Why a read-modify-write failed.
enum ModifyError {
    NotFound,
    /// The change function refused.
    Rejected(TaskError),
    Store(StoreError),
    /// Lost the compare-and-swap too many times in a row.
    Contended,
}

/// Runs tasks on a [`TaskStore`](super::store::TaskStore).
pub struct TaskEngine {
    pub(crate) store: DynTaskStore,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: TaskConfig,
    changes: broadcast::Sender<String>,
    running: Mutex<HashMap<String, CancellationToken>>,
    hook: OnceLock<ChangeHook>,
    /// Fired at the end of a graceful shutdown: handlers stop without recording an outcome
    /// (the shutdown applies each task's restart policy instead) and no task is created.
    halt: CancellationToken,
    /// Carries changes to the other instances sharing the store.
    notifier: Arc<dyn TaskNotifier>,
    /// Tasks something in this process waits on or subscribed to (by count), besides the
    /// ones running here: a change made elsewhere is re-read and published only for these.
    watched: Mutex<HashMap<String, Watched>>,
    /// This instance's name in execution leases.
    instance: String,
    /// Set by [`release_leases`](Self::release_leases): no more renewals or takeovers.
    stopping: std::sync::atomic::AtomicBool,
}

/// How the engine treats execution leases, decided once from the store
/// ([`TaskStore::is_shared`](super::store::TaskStore::is_shared)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeasePolicy {
    /// At start, tasks whose lease expired before this are taken over: every live task for a
    /// store only this process uses (whoever held them is gone), only expired ones for a
    /// shared store (the others run on live instances).
    pub startup_cutoff_ms: u64,
    /// Lease renewal period (shared stores only).
    pub heartbeat: Option<Duration>,
    /// Period of the takeover sweep (shared stores only).
    pub sweep: Option<Duration>,
}

/// A task watched for changes made by other instances.
#[derive(Debug, Default)]
struct Watched {
    /// Watchers (subscriptions, waiters).
    count: usize,
    /// The version last published here, so the periodic re-read publishes only real changes.
    version: Option<super::store::Version>,
}

/// Keeps tasks watched for changes made by other instances; unwatches them when dropped.
#[derive(Debug)]
pub struct WatchGuard {
    engine: std::sync::Weak<TaskEngine>,
    ids: Vec<String>,
}

impl Drop for WatchGuard {
    fn drop(&mut self) {
        let Some(engine) = self.engine.upgrade() else {
            return;
        };
        let mut w = engine.watched.lock();
        for id in &self.ids {
            if let Some(n) = w.get_mut(id) {
                n.count -= 1;
                if n.count == 0 {
                    w.remove(id);
                }
            }
        }
    }
}

impl std::fmt::Debug for TaskEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskEngine")
            .field("store", &self.store.name())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// "Not found" for unknown, expired, purged and other owners' tasks alike (never leak).
pub(crate) fn not_found(id: &str) -> TaskError {
    TaskError::NotFound(id.to_owned())
}

/// A store failure, logged where it happens.
pub(crate) fn store_error(e: StoreError) -> TaskError {
    tracing::error!(error = %e, "task store failure");
    TaskError::Store(e)
}

/// How a task's handler ended, as the engine records it.
#[derive(Debug)]
#[non_exhaustive]
pub enum RunEnd {
    /// The handler returned a result (possibly with `isError: true`): `completed`.
    Completed(CallToolResult),
    /// The method failed with this JSON-RPC error: `failed`, and `tasks/result` returns it.
    Failed(ErrorObject),
    /// The handler stopped because the task was cancelled: `cancelled`.
    Cancelled,
}

impl TaskEngine {
    /// An engine on `store` with default limits and the system clock.
    pub fn new(store: DynTaskStore) -> Self {
        let (changes, _) = broadcast::channel(1024);
        TaskEngine {
            store,
            clock: Arc::new(SystemClock),
            config: TaskConfig::default(),
            changes,
            running: Mutex::new(HashMap::new()),
            hook: OnceLock::new(),
            notifier: Arc::new(LocalNotifier::default()),
            watched: Mutex::new(HashMap::new()),
            instance: super::clock::random_id(),
            stopping: std::sync::atomic::AtomicBool::new(false),
            halt: CancellationToken::new(),
        }
    }

    /// The store this engine writes to.
    pub fn store(&self) -> &DynTaskStore {
        &self.store
    }

    /// The engine's limits and timings.
    pub fn config(&self) -> &TaskConfig {
        &self.config
    }

    /// This instance's name in execution leases (random per process).
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// The lease policy for this engine's store (the one place that decides it).
    pub fn lease_policy(&self) -> LeasePolicy {
        if self.store.is_shared() {
            LeasePolicy {
                startup_cutoff_ms: self.now(),
                heartbeat: Some(self.config.heartbeat),
                sweep: Some(self.config.takeover_interval),
            }
        } else {
            LeasePolicy {
                startup_cutoff_ms: u64::MAX,
                heartbeat: None,
                sweep: None,
            }
        }
    }

    fn my_lease(&self) -> Lease {
        Lease {
            holder: self.instance.clone(),
            until_ms: self
                .now()
                .saturating_add(self.config.lease.as_millis() as u64),
        }
    }

    /// Whether [`release_leases`](Self::release_leases) ran: this instance is stopping.
    pub fn is_stopping(&self) -> bool {
        self.stopping.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Takes task `id` over if its lease is absent or expired before `cutoff_ms` (and it is
    /// live and not running here): applies `change` and claims the lease for this instance
    /// in one compare-and-swap. `None` when there was nothing to take (finished, deleted, or
    /// another instance holds or just won it).
    pub async fn claim<F>(
        &self,
        id: &str,
        cutoff_ms: u64,
        mut change: F,
    ) -> Result<Option<TaskRecord>, StoreError>
    where
        F: FnMut(&mut TaskRecord) -> Result<(), TaskError>,
    {
        for _ in 0..64 {
            let Some((mut r, v)) = self.store.get(id.to_owned()).await? else {
                return Ok(None);
            };
            let held = r
                .lease
                .as_ref()
                .is_some_and(|l| l.until_ms >= cutoff_ms && l.holder != self.instance);
            if r.is_terminal() || held || self.is_running_here(id) {
                return Ok(None);
            }
            change(&mut r).map_err(|e| StoreError::Backend {
                store: self.store.name(),
                source: format!("taking over task {id}: {e}").into(),
            })?;
            r.lease = Some(self.my_lease());
            match self.store.claim(r.clone(), v, cutoff_ms).await {
                Ok(_) => {
                    self.publish(&r);
                    return Ok(Some(r));
                }
                Err(StoreError::Conflict) => continue,
                Err(StoreError::NotFound) => return Ok(None),
                Err(e) => {
                    return Err(StoreError::Backend {
                        store: self.store.name(),
                        source: format!("taking over task {id}: {e}").into(),
                    });
                }
            }
        }
        Err(StoreError::Conflict)
    }

    /// Renews the leases of the tasks running here every `every`; a handler whose lease was
    /// lost (another instance took the task over, or it ended elsewhere) is stopped here.
    pub fn start_heartbeat(self: &Arc<Self>, every: Duration) {
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(engine) = weak.upgrade() else {
                    return;
                };
                if engine.is_stopping() {
                    return;
                }
                let ids: Vec<String> = engine.running.lock().keys().cloned().collect();
                if ids.is_empty() {
                    continue;
                }
                let until = engine.my_lease().until_ms;
                match engine
                    .store
                    .renew_leases(engine.instance.clone(), ids.clone(), until)
                    .await
                {
                    Ok(kept) => {
                        let kept: std::collections::HashSet<String> = kept.into_iter().collect();
                        for id in ids.iter().filter(|id| !kept.contains(*id)) {
                            let token = engine.running.lock().remove(id);
                            if let Some(t) = token {
                                tracing::warn!(task = %id, "lease lost (taken over or ended elsewhere): stopping its handler here");
                                t.cancel();
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "renewing execution leases failed"),
                }
            }
        });
    }

    /// Releases this instance's leases of `ids` (the tasks a graceful shutdown stopped) and
    /// stops renewing and taking over: other instances may take these tasks at once.
    pub async fn release_leases(&self, ids: Vec<String>) {
        self.stopping
            .store(true, std::sync::atomic::Ordering::SeqCst);
        if ids.is_empty() {
            return;
        }
        match self.store.renew_leases(self.instance.clone(), ids, 0).await {
            // Other instances find them at their next sweep.
            Ok(released) => tracing::info!(tasks = released.len(), "execution leases released"),
            Err(e) => tracing::warn!(error = %e, "releasing execution leases failed"),
        }
    }

    /// Sets the notifier that carries changes to other instances sharing the store (e.g.
    /// `notify::postgres::PgNotifier`, feature `postgres`, with a PostgreSQL store).
    pub fn with_notifier(mut self, n: Arc<dyn TaskNotifier>) -> Self {
        self.notifier = n;
        self
    }

    /// Watches `ids` for changes made by other instances while the guard lives.
    pub fn watch(self: &Arc<Self>, ids: Vec<String>) -> WatchGuard {
        {
            let mut w = self.watched.lock();
            for id in &ids {
                w.entry(id.clone()).or_default().count += 1;
            }
        }
        WatchGuard {
            engine: Arc::downgrade(self),
            ids,
        }
    }

    fn interested(&self, id: &str) -> bool {
        self.running.lock().contains_key(id) || self.watched.lock().contains_key(id)
    }

    /// Applies what the notifier reports: re-reads each changed task something here cares
    /// about and publishes it locally; a task that became terminal elsewhere (cancelled on
    /// another instance) stops its handler here.
    ///
    /// With a shared store it also re-reads every watched task each `recheck_interval` and
    /// publishes those whose version moved: a notification that was never sent (the writer's
    /// NOTIFY failed, or it died between its commit and its NOTIFY) then delays a
    /// subscriber's notification by at most that interval instead of losing it. Waiters
    /// re-read on the same period themselves; running handlers learn of a cancel made
    /// elsewhere at their next lease renewal.
    pub fn follow_notifier(self: &Arc<Self>) {
        let mut rx = self.notifier.subscribe();
        let weak = Arc::downgrade(self);
        let period = self
            .store
            .is_shared()
            .then_some(self.config.recheck_interval);
        tokio::spawn(async move {
            let mut tick = period.map(|p| {
                let mut t = tokio::time::interval(p);
                t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                t
            });
            loop {
                let ev = tokio::select! {
                    ev = rx.recv() => Some(ev),
                    _ = async { tick.as_mut().expect("guarded").tick().await }, if tick.is_some() => None,
                };
                let Some(engine) = weak.upgrade() else {
                    return;
                };
                let (ids, only_if_moved) = match ev {
                    Some(Ok(NotifierEvent::Changed(id))) => {
                        if !engine.interested(&id) {
                            continue;
                        }
                        (vec![id], false)
                    }
                    Some(Ok(NotifierEvent::Resync))
                    | Some(Err(broadcast::error::RecvError::Lagged(_))) => {
                        let mut ids: Vec<String> = engine.running.lock().keys().cloned().collect();
                        ids.extend(engine.watched.lock().keys().cloned());
                        ids.sort_unstable();
                        ids.dedup();
                        (ids, false)
                    }
                    Some(Err(broadcast::error::RecvError::Closed)) => return,
                    None => {
                        // Sequential, so a large watch set slows the sweep down rather
                        // than flooding the store.
                        let ids: Vec<String> = engine.watched.lock().keys().cloned().collect();
                        for id in ids {
                            engine.refresh(&id, true).await;
                        }
                        continue;
                    }
                };
                for id in ids {
                    let engine = engine.clone();
                    tokio::spawn(async move { engine.refresh(&id, only_if_moved).await });
                }
            }
        });
    }

    /// Re-reads `id` after another instance changed it (or may have) and publishes it here;
    /// with `only_if_moved`, only when its version differs from the one last published.
    async fn refresh(&self, id: &str, only_if_moved: bool) {
        match self.store.get(id.to_owned()).await {
            Ok(Some((r, version))) => {
                let moved = {
                    let mut w = self.watched.lock();
                    match w.get_mut(id) {
                        // The first re-read after a watch starts publishes whatever it
                        // finds: a change between the subscriber's first read and the watch
                        // (its notification ignored, or lost) is not missed, at the price of
                        // at most one repeated state.
                        Some(seen) => seen.version.replace(version) != Some(version),
                        None => true,
                    }
                };
                if only_if_moved && !moved {
                    return;
                }
                if r.is_terminal() {
                    if let Some(t) = self.running.lock().remove(id) {
                        t.cancel();
                    }
                }
                self.publish_local(&r);
            }
            Ok(None) => {
                if let Some(t) = self.running.lock().remove(id) {
                    t.cancel();
                }
                if let Some(seen) = self.watched.lock().get_mut(id) {
                    if seen.version.take().is_none() && only_if_moved {
                        return;
                    }
                }
                let _ = self.changes.send(id.to_owned());
            }
            Err(e) => tracing::warn!(task = %id, error = %e, "re-reading a changed task failed"),
        }
    }

    /// Sets the limits.
    pub fn with_config(mut self, c: TaskConfig) -> Self {
        self.config = c;
        self
    }

    /// Sets the clock (tests).
    pub fn with_clock(mut self, c: Arc<dyn Clock>) -> Self {
        self.clock = c;
        self
    }

    /// Sets the function called with every committed change (once; later calls are ignored).
    pub fn set_hook(&self, hook: ChangeHook) {
        let _ = self.hook.set(hook);
    }

    /// Subscribes to changes (task ids, published after each successful write).
    pub fn subscribe(&self) -> broadcast::Receiver<String> {
        self.changes.subscribe()
    }

    /// After a committed update: here, and to the other instances.
    fn publish(&self, r: &TaskRecord) {
        self.publish_local(r);
        self.notifier.publish(&r.id);
    }

    fn publish_local(&self, r: &TaskRecord) {
        let _ = self.changes.send(r.id.clone());
        if let Some(h) = self.hook.get() {
            h(r);
        }
    }

    /// The engine's clock, in ms since the Unix epoch.
    pub fn now(&self) -> u64 {
        self.clock.now_ms()
    }

    /// The TTL a new task gets; `requested` (v1 only) is clamped to the maximum.
    pub fn effective_ttl(&self, requested: Option<u64>) -> Option<u64> {
        let max = self.config.max_ttl.as_millis() as u64;
        match requested {
            Some(r) => Some(r.clamp(1, max)),
            None => self
                .config
                .default_ttl
                .map(|d| (d.as_millis() as u64).clamp(1, max)),
        }
    }

    /// Stores a new task durably (after the owner limit check).
    pub async fn create(&self, record: TaskRecord) -> Result<(), TaskError> {
        if self.halt.is_cancelled() {
            return Err(TaskError::ShuttingDown);
        }
        // The creating instance runs the handler: it holds the lease from the start.
        let record = record.with_lease(Some(self.my_lease()));
        if let Some(max) = self.config.max_running {
            if self.running.lock().len() >= max {
                return Err(TaskError::ServerFull { limit: max });
            }
        }
        let limit = match (&record.owner, self.config.max_live_anonymous) {
            (Owner::Principal(_), _) | (_, None) => self.config.max_live_per_owner,
            (_, Some(n)) => n,
        };
        let live = self
            .store
            .count_live(record.owner.clone(), limit)
            .await
            .map_err(store_error)?;
        if live >= limit {
            return Err(TaskError::TooManyTasks { limit });
        }
        self.store.create(record.clone()).await.map_err(|e| {
            tracing::error!(error = %e, "task store failure: a task could not be created");
            TaskError::NotCreated(e)
        })?;
        tracing::debug!(task = %record.id, "task created");
        // Local only: no other instance can be watching an id it has never seen.
        self.publish_local(&record);
        Ok(())
    }

    /// Reads a task the caller may see.
    pub async fn get_for(&self, id: &str, caller: &Owner) -> Result<TaskRecord, TaskError> {
        match self.store.get(id.to_owned()).await.map_err(store_error)? {
            Some((r, _)) if r.owner.admits(caller) && !self.expired(&r) => Ok(r),
            _ => Err(not_found(id)),
        }
    }

    fn expired(&self, r: &TaskRecord) -> bool {
        r.expires_at_ms().is_some_and(|e| e < self.now())
    }

    /// Read-modify-write with compare-and-swap, retried on conflicts. `f` returns whether it
    /// changed anything; unchanged records are not written.
    pub async fn modify<F>(&self, id: &str, f: F) -> Result<TaskRecord, TaskError>
    where
        F: FnMut(&mut TaskRecord) -> Result<bool, TaskError>,
    {
        self.try_modify(id, f).await.map_err(|e| match e {
            ModifyError::NotFound => not_found(id),
            ModifyError::Rejected(e) => e,
            ModifyError::Store(e) => store_error(e),
            ModifyError::Contended => TaskError::Contended,
        })
    }

    /// [`modify`](Self::modify), telling apart why it failed.
    async fn try_modify<F>(&self, id: &str, mut f: F) -> Result<TaskRecord, ModifyError>
    where
        F: FnMut(&mut TaskRecord) -> Result<bool, TaskError>,
    {
        for _ in 0..64 {
            let Some((mut r, v)) = self
                .store
                .get(id.to_owned())
                .await
                .map_err(ModifyError::Store)?
            else {
                return Err(ModifyError::NotFound);
            };
            if !f(&mut r).map_err(ModifyError::Rejected)? {
                return Ok(r);
            }
            match self.store.update(r.clone(), v).await {
                Ok(_) => {
                    self.publish(&r);
                    return Ok(r);
                }
                Err(StoreError::Conflict) => continue,
                Err(StoreError::NotFound) => return Err(ModifyError::NotFound),
                Err(e) => return Err(ModifyError::Store(e)),
            }
        }
        Err(ModifyError::Contended)
    }

    /// Runs a task's handler in the background and records its outcome.
    pub fn spawn(
        self: &Arc<Self>,
        id: String,
        cancel: CancellationToken,
        fut: BoxFuture<'static, RunEnd>,
    ) {
        self.running.lock().insert(id.clone(), cancel.clone());
        let engine = self.clone();
        tokio::spawn(async move {
            let outcome = tokio::select! {
                r = fut => Some(r),
                () = cancel.cancelled() => None,
                // Shutdown: the task stays in `running` for `halt_running` to settle.
                () = engine.halt.cancelled() => return,
            };
            // Boxed: the recording's state would otherwise be part of every running task's
            // future for its whole life (about 1.3 KiB of each running task).
            Box::pin(engine.record_outcome(id, outcome)).await;
        });
    }

    /// Records the end of a task's handler (`None`: it was cancelled), retrying a failing
    /// store, then forgets the handler.
    async fn record_outcome(self: Arc<Self>, id: String, outcome: Option<RunEnd>) {
        let engine = self;
        let now = engine.now();
        let (event, outcome, message) = match outcome {
            None | Some(RunEnd::Cancelled) => {
                tracing::info!(task = %id, "task handler stopped: the task was cancelled");
                (TaskEvent::Cancelled, None, None)
            }
            Some(RunEnd::Completed(result)) => {
                let obj = match serde_json::to_value(&result) {
                    Ok(serde_json::Value::Object(o)) => o,
                    _ => JsonObject::new(),
                };
                (TaskEvent::Completed, Some(Outcome::Result(obj)), None)
            }
            Some(RunEnd::Failed(e)) => {
                let msg = e.message.clone();
                (TaskEvent::Failed, Some(Outcome::Error(e)), Some(msg))
            }
        };
        // A store that fails (disk full, I/O error) gets the outcome again until it takes
        // it: giving up would leave the task `working` with no handler.
        let mut backoff = OUTCOME_RETRY_FIRST;
        loop {
            let res = engine
                .try_modify(&id, |r| {
                    if r.is_terminal() {
                        // Cancelled meanwhile: terminal states never change.
                        return Ok(false);
                    }
                    if r.lease
                        .as_ref()
                        .is_some_and(|l| l.holder != engine.instance)
                    {
                        // Another instance took the task over: its run owns the outcome.
                        return Ok(false);
                    }
                    r.apply(event, now).map_err(TaskError::from)?;
                    r.outcome = outcome.clone();
                    // A progress message ("waiting for ...") would be stale once terminal.
                    r.status_message = message.clone();
                    Ok(true)
                })
                .await;
            let e = match res {
                Ok(_) | Err(ModifyError::NotFound) => break,
                Err(ModifyError::Rejected(e)) => {
                    tracing::warn!(task = %id, error = %e, "could not record the task outcome");
                    break;
                }
                Err(ModifyError::Store(e)) => e.to_string(),
                Err(ModifyError::Contended) => "the task is changing too fast".into(),
            };
            tracing::warn!(task = %id, error = %e, retry_in = ?backoff, "could not record the task outcome yet");
            tokio::select! {
                () = tokio::time::sleep(backoff) => {}
                // Shutdown settles it (or the next start does).
                () = engine.halt.cancelled() => return,
            }
            backoff = (backoff * 2).min(OUTCOME_RETRY_MAX);
        }
        // Only now: until the outcome is stored, a shutdown still counts it as running.
        engine.running.lock().remove(&id);
    }

    /// Waits until no task handler runs in this process, or until `deadline`.
    pub async fn wait_idle(&self, deadline: tokio::time::Instant) {
        let mut changes = self.subscribe();
        while !self.running.lock().is_empty() {
            tokio::select! {
                _ = changes.recv() => {}
                // Outcome writes publish before the entry leaves `running`: look again soon.
                () = tokio::time::sleep(Duration::from_millis(50)) => {}
                () = tokio::time::sleep_until(deadline) => return,
            }
        }
    }

    /// Stops every task handler of this process (without recording an outcome) and refuses
    /// new tasks from now on; returns the ids of the tasks that were running.
    pub fn halt_running(&self) -> Vec<String> {
        self.halt.cancel();
        self.running.lock().drain().map(|(id, _)| id).collect()
    }

    /// Cancels a task: records `cancelled` (unless already terminal) and stops its handler
    /// if it runs here. Returns the record after the attempt.
    pub async fn cancel(&self, id: &str, caller: &Owner) -> Result<TaskRecord, TaskError> {
        self.get_for(id, caller).await?;
        let now = self.now();
        let r = self
            .modify(id, |r| {
                if r.is_terminal() {
                    return Ok(false);
                }
                r.apply(TaskEvent::Cancelled, now)
                    .map_err(TaskError::from)?;
                r.status_message = Some("Cancelled at the client's request".into());
                Ok(true)
            })
            .await?;
        self.stop_local(id);
        Ok(r)
    }

    /// Stops the handler of `id` if it runs in this process.
    pub fn stop_local(&self, id: &str) {
        if let Some(t) = self.running.lock().remove(id) {
            t.cancel();
        }
    }

    /// Records answers (`tasks/update`): keys that are outstanding and of the right kind are
    /// taken; anything else is ignored (SEP-2663 "tasks/update").
    pub async fn answer(
        &self,
        id: &str,
        caller: &Owner,
        responses: InputResponses,
        malformed: &[String],
    ) -> Result<(), TaskError> {
        self.get_for(id, caller).await?;
        let now = self.now();
        self.modify(id, |r| {
            // A malformed answer to an outstanding request is an error; anything sent for
            // keys the task is not waiting on is ignored whatever its shape.
            if let Some(k) = malformed.iter().find(|k| r.input_requests.contains_key(*k)) {
                return Err(TaskError::InvalidInput(format!(
                    "inputResponses[{k:?}] is not a valid answer to its input request"
                )));
            }
            let mut changed = false;
            for (k, resp) in &responses {
                let fits = r.input_requests.get(k).is_some_and(|req| resp.answers(req));
                if fits {
                    r.input_requests.remove(k);
                    r.answers.insert(k.clone(), resp.clone());
                    r.answered_keys.insert(k.clone());
                    changed = true;
                }
            }
            if changed && r.input_requests.is_empty() && !r.is_terminal() {
                r.apply(TaskEvent::InputsAnswered, now)
                    .map_err(TaskError::from)?;
            }
            if changed {
                r.updated_at_ms = now;
            }
            Ok(changed)
        })
        .await?;
        Ok(())
    }

    /// Parks the task in `input_required` with `requests` and waits until every one is
    /// answered (modern era: answers arrive through `tasks/update`).
    pub async fn await_answers(
        &self,
        id: &str,
        requests: Vec<(String, InputRequest)>,
        cancel: &CancellationToken,
    ) -> Result<BTreeMap<String, InputResponse>, TaskError> {
        let now = self.now();
        let max = self.config.max_input_keys;
        let keys: Vec<String> = requests.iter().map(|(k, _)| k.clone()).collect();
        let mut changes = self.subscribe();
        self.modify(id, |r| {
            if r.is_terminal() {
                return Err(TaskError::refused("task is no longer running"));
            }
            for (k, req) in &requests {
                if r.answers.contains_key(k) {
                    continue;
                }
                if r.answered_keys.contains(k) || r.input_requests.contains_key(k) {
                    return Err(TaskError::refused(format!(
                        "input key {k:?} was already used by this task; keys are never reused"
                    )));
                }
                r.input_requests.insert(k.clone(), req.clone());
            }
            if r.input_requests.len() > max {
                return Err(TaskError::refused(format!(
                    "a task may have at most {max} outstanding input requests"
                )));
            }
            if !r.input_requests.is_empty() {
                r.apply(TaskEvent::InputRequested, now)
                    .map_err(TaskError::from)?;
            }
            Ok(true)
        })
        .await?;
        loop {
            let Some((r, _)) = self.store.get(id.to_owned()).await.map_err(store_error)? else {
                return Err(TaskError::Cancelled);
            };
            if r.is_terminal() {
                return Err(TaskError::Cancelled);
            }
            if keys.iter().all(|k| r.answers.contains_key(k)) {
                // Consume the answers so the record holds only what is still useful.
                let mut out = BTreeMap::new();
                self.modify(id, |r| {
                    out.clear();
                    for k in &keys {
                        if let Some(a) = r.answers.remove(k) {
                            out.insert(k.clone(), a);
                        }
                    }
                    Ok(true)
                })
                .await?;
                return Ok(out);
            }
            tokio::select! {
                _ = changes.recv() => {}
                () = tokio::time::sleep(self.config.recheck_interval) => {}
                () = cancel.cancelled() => return Err(TaskError::Cancelled),
            }
        }
    }

    /// Waits until the task is terminal (v1 `tasks/result`).
    pub async fn wait_terminal(
        self: &Arc<Self>,
        id: &str,
        caller: &Owner,
        cancel: &CancellationToken,
    ) -> Result<TaskRecord, TaskError> {
        let mut changes = self.subscribe();
        // The task may run on another instance: follow its changes from there too.
        let _watch = self.watch(vec![id.to_owned()]);
        loop {
            let r = self.get_for(id, caller).await?;
            if r.is_terminal() {
                return Ok(r);
            }
            tokio::select! {
                _ = changes.recv() => {}
                () = tokio::time::sleep(self.config.recheck_interval) => {}
                () = cancel.cancelled() => return Err(TaskError::Cancelled),
            }
        }
    }

    /// A page of the caller's tasks (v1 `tasks/list`).
    pub async fn list(
        &self,
        caller: &Owner,
        after: Option<String>,
    ) -> Result<(Vec<TaskRecord>, Option<String>), TaskError> {
        let limit = self.config.list_page_size.max(1);
        let mut page = self
            .store
            .list(ListQuery {
                owner: Some(caller.clone()),
                live_only: false,
                after_id: after,
                limit: limit + 1,
            })
            .await
            .map_err(store_error)?;
        let next = (page.len() > limit).then(|| {
            page.truncate(limit);
            page.last().map(|r| r.id.clone())
        });
        page.retain(|r| !self.expired(r));
        Ok((page, next.flatten()))
    }

    /// Deletes expired tasks now; returns how many.
    pub async fn purge_expired(&self) -> Result<usize, StoreError> {
        self.store.purge_expired(self.now()).await
    }

    /// Whether a handler for `id` runs in this process.
    pub fn is_running_here(&self, id: &str) -> bool {
        self.running.lock().contains_key(id)
    }
}
