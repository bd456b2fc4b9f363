//! Model-based property test of a [`TaskStore`] (feature `store-conformance`, always in
//! this crate's tests): random sequences of create / get / update (every state-machine
//! event, fresh and stale versions) / racing updates on one version / delete / list /
//! count / purge of expired tasks, run against a store and against a plain in-memory model
//! of the contract, compared after every step. Failures shrink to a minimal sequence;
//! proptest saves its seed to the given file so the case is replayed first on every later
//! run (and a shrunk sequence worth keeping is written out as a named test).
//!
//! A backend joins with one call from its tests; `open` returns an **empty** store each
//! time (a fresh file, or a truncated table):
//!
//! ```ignore
//! mcp_tasks_core::store::model::check_against_model(
//!     "postgres", 1000, "proptest-regressions/pg-model.txt",
//!     || Box::pin(async { open_empty_pg_store().await }),
//! );
//! ```

use std::collections::BTreeMap;

use futures_util::future::BoxFuture;
use mcp_tasks_types::jsonrpc::ErrorObject;
use mcp_tasks_types::mrtr::InputRequest;
use mcp_tasks_types::task::TaskStatus;
use mcp_tasks_types::{Era, JsonObject};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};

use super::{DynTaskStore, ListQuery, StoreError, TaskStore, Version};
use crate::record::{Outcome, Owner, TaskRecord, TaskRequest};
use crate::state::TaskEvent;

/// Task ids, owners and instants are drawn from small sets so that operations collide.
const IDS: usize = 4;
const OWNERS: usize = 3;

/// One step of a sequence.
#[derive(Debug, Clone)]
pub enum Op {
    /// Create task `id` for `owner` at `created` with a TTL.
    Create {
        /// Index into the id set.
        id: usize,
        /// Index into the owner set (the last one is `Unbound`).
        owner: usize,
        /// Creation time (ms).
        created: u64,
        /// TTL (ms); `None` = never expires.
        ttl: Option<u64>,
    },
    /// Read task `id`.
    Get {
        /// Index into the id set.
        id: usize,
    },
    /// Read task `id`, apply `change`, write it back with the version read (or an older
    /// one when `stale`).
    Update {
        /// Index into the id set.
        id: usize,
        /// What to change.
        change: Change,
        /// Write with a version that is no longer current.
        stale: bool,
    },
    /// Two writers read the same version of `id` and write `a` and `b` concurrently.
    Race {
        /// Index into the id set.
        id: usize,
        /// The first writer's change.
        a: Change,
        /// The second writer's change.
        b: Change,
    },
    /// An update of `id` racing its deletion.
    RaceDelete {
        /// Index into the id set.
        id: usize,
        /// The writer's change.
        change: Change,
    },
    /// Delete task `id`.
    Delete {
        /// Index into the id set.
        id: usize,
    },
    /// List tasks.
    List {
        /// Only this owner's (index), or every owner's.
        owner: Option<usize>,
        /// Only live tasks.
        live_only: bool,
        /// Only ids after this one (index).
        after: Option<usize>,
        /// At most this many.
        limit: usize,
    },
    /// Count an owner's live tasks, up to `at_most`.
    CountLive {
        /// Index into the owner set.
        owner: usize,
        /// The bound.
        at_most: usize,
    },
    /// Purge what expired before `now`.
    Purge {
        /// The instant (ms).
        now: u64,
    },
}

/// A change to a record: a state-machine event, or a status message alone.
#[derive(Debug, Clone, Copy)]
pub enum Change {
    /// Apply this event (with its outcome or input bookkeeping).
    Event(TaskEvent),
    /// Set the status message, nothing else.
    Message(u8),
}

fn id(i: usize) -> String {
    format!("task-{i}")
}

fn owner(i: usize) -> Owner {
    match i {
        0 => Owner::Session("s0".into()),
        1 => Owner::Principal("p1".into()),
        _ => Owner::Unbound,
    }
}

fn event() -> impl Strategy<Value = TaskEvent> {
    prop_oneof![
        Just(TaskEvent::InputRequested),
        Just(TaskEvent::InputsAnswered),
        Just(TaskEvent::Completed),
        Just(TaskEvent::Failed),
        Just(TaskEvent::Cancelled),
    ]
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        4 => event().prop_map(Change::Event),
        1 => any::<u8>().prop_map(Change::Message),
    ]
}

/// Creation times and TTLs from small sets, so that purge instants hit expiries exactly
/// (the boundary: a task expires strictly after `created + ttl`).
const CREATED: [u64; 4] = [0, 100, 500, 1_000];
const TTLS: [u64; 5] = [1, 100, 500, 1_000, u64::MAX];

fn instant() -> impl Strategy<Value = u64> {
    let sums: Vec<u64> = CREATED
        .iter()
        .flat_map(|c| TTLS.iter().map(move |t| c.saturating_add(*t)))
        .flat_map(|e| [e, e.saturating_add(1)])
        .collect();
    prop_oneof![
        3 => prop::sample::select(sums),
        1 => 0..3_000u64,
        1 => Just(u64::MAX / 4),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let ix = 0..IDS;
    prop_oneof![
        4 => (ix.clone(), 0..OWNERS, prop::sample::select(&CREATED[..]), prop::option::of(prop::sample::select(&TTLS[..])))
            .prop_map(|(id, owner, created, ttl)| Op::Create { id, owner, created, ttl }),
        2 => ix.clone().prop_map(|id| Op::Get { id }),
        6 => (ix.clone(), change(), prop::bool::weighted(0.2))
            .prop_map(|(id, change, stale)| Op::Update { id, change, stale }),
        2 => (ix.clone(), change(), change()).prop_map(|(id, a, b)| Op::Race { id, a, b }),
        1 => (ix.clone(), change()).prop_map(|(id, change)| Op::RaceDelete { id, change }),
        1 => ix.clone().prop_map(|id| Op::Delete { id }),
        2 => (prop::option::of(0..OWNERS), any::<bool>(), prop::option::of(ix), 0..6usize)
            .prop_map(|(owner, live_only, after, limit)| Op::List { owner, live_only, after, limit }),
        1 => (0..OWNERS, 0..4usize).prop_map(|(owner, at_most)| Op::CountLive { owner, at_most }),
        1 => instant().prop_map(|now| Op::Purge { now }),
    ]
}

/// The transition table of SEP-2663 "Status machine", written out independently of
/// [`crate::state::next`]: the model's status after `event`, `None` when illegal.
pub fn table(from: TaskStatus, event: TaskEvent) -> Option<TaskStatus> {
    use TaskEvent as E;
    use TaskStatus as S;
    const TABLE: &[(S, E, S)] = &[
        (S::Working, E::InputRequested, S::InputRequired),
        (S::Working, E::Completed, S::Completed),
        (S::Working, E::Failed, S::Failed),
        (S::Working, E::Cancelled, S::Cancelled),
        (S::InputRequired, E::InputRequested, S::InputRequired),
        (S::InputRequired, E::InputsAnswered, S::Working),
        (S::InputRequired, E::Completed, S::Completed),
        (S::InputRequired, E::Failed, S::Failed),
        (S::InputRequired, E::Cancelled, S::Cancelled),
    ];
    TABLE
        .iter()
        .find(|(f, e, _)| *f == from && *e == event)
        .map(|(_, _, to)| *to)
}

/// Applies `change` to `r` as the engine would: through the state machine, which must
/// agree with [`table`]. `false` when the change is illegal (and `r` is untouched).
fn apply(r: &mut TaskRecord, change: Change, now: u64) -> Result<bool, String> {
    let ev = match change {
        Change::Message(m) => {
            r.status_message = Some(format!("m{m}"));
            r.updated_at_ms = now;
            return Ok(true);
        }
        Change::Event(ev) => ev,
    };
    let before = r.clone();
    let want = table(r.status(), ev);
    match (r.apply(ev, now), want) {
        (Ok(()), Some(to)) if r.status() == to => {}
        (Err(_), None) if *r == before => return Ok(false),
        (got, _) => {
            return Err(format!(
                "state machine: {:?} on {ev:?} gave {got:?} (status {:?}), table says {want:?}",
                before.status(),
                r.status()
            ));
        }
    }
    match ev {
        TaskEvent::InputRequested => {
            let key = format!("k{}", r.answered_keys.len() + r.input_requests.len());
            r.input_requests
                .insert(key, InputRequest::ListRoots { params: None });
        }
        TaskEvent::InputsAnswered => {
            let keys: Vec<String> = std::mem::take(&mut r.input_requests).into_keys().collect();
            r.answered_keys.extend(keys);
        }
        TaskEvent::Completed => {
            let mut o = JsonObject::new();
            o.insert("n".into(), now.into());
            r.outcome = Some(Outcome::Result(o));
        }
        TaskEvent::Failed => r.outcome = Some(Outcome::Error(ErrorObject::internal("failed"))),
        TaskEvent::Cancelled => {}
    }
    Ok(true)
}

/// The contract, as plain data: every task's record and current version.
#[derive(Default)]
struct Model {
    tasks: BTreeMap<String, (TaskRecord, Version)>,
    /// Every version a task ever had (a stale write uses one of these).
    history: BTreeMap<String, Vec<Version>>,
}

type Outcome2 = Result<(), String>;

fn fail(store: &dyn TaskStore, step: usize, op: &Op, what: String) -> String {
    format!("{} store, step {step} ({op:?}): {what}", store.name())
}

async fn get_checked(
    store: &dyn TaskStore,
    model: &Model,
    key: &str,
) -> Result<Option<(TaskRecord, Version)>, String> {
    let got = store
        .get(key.to_owned())
        .await
        .map_err(|e| format!("get: {e}"))?;
    let want = model.tasks.get(key);
    match (&got, want) {
        (None, None) => Ok(None),
        (Some((r, v)), Some((wr, wv))) if r == wr && v == wv => Ok(got),
        _ => Err(format!(
            "get {key}: store has {:?}, model has {:?}",
            got.as_ref().map(|(r, v)| (r.status(), v)),
            want.map(|(r, v)| (r.status(), v))
        )),
    }
}

/// Runs one sequence; `Err` describes the first divergence.
pub async fn run_ops(store: &dyn TaskStore, ops: &[Op]) -> Outcome2 {
    let mut m = Model::default();
    let mut clock = 1_000u64;
    for (step, op) in ops.iter().enumerate() {
        clock += 1;
        let f = |what: String| fail(store, step, op, what);
        match op {
            Op::Create {
                id: i,
                owner: o,
                created,
                ttl,
            } => {
                let r = TaskRecord::new(
                    id(*i),
                    owner(*o),
                    if o % 2 == 0 { Era::Modern } else { Era::Legacy },
                    TaskRequest {
                        method: "tools/call".into(),
                        name: "t".into(),
                        arguments: JsonObject::new(),
                    },
                    *created,
                    *ttl,
                    Some(100),
                );
                let got = store.create(r.clone()).await;
                match (got, m.tasks.contains_key(&r.id)) {
                    (Ok(v), false) => {
                        // A new incarnation: versions of a deleted namesake do not count.
                        m.history.insert(r.id.clone(), vec![v]);
                        m.tasks.insert(r.id.clone(), (r, v));
                    }
                    (Err(StoreError::AlreadyExists), true) => {}
                    (got, exists) => {
                        return Err(f(format!("create gave {got:?}, model exists={exists}")));
                    }
                }
            }
            Op::Get { id: i } => {
                get_checked(store, &m, &id(*i)).await.map_err(f)?;
            }
            Op::Update {
                id: i,
                change,
                stale,
            } => {
                let key = id(*i);
                let Some((mut r, v)) = get_checked(store, &m, &key).await.map_err(f)? else {
                    // Writing a task that does not exist is NotFound.
                    let ghost = TaskRecord::new(
                        key.clone(),
                        Owner::Unbound,
                        Era::Modern,
                        TaskRequest {
                            method: "tools/call".into(),
                            name: "t".into(),
                            arguments: JsonObject::new(),
                        },
                        0,
                        None,
                        None,
                    );
                    match store.update(ghost, 1).await {
                        Err(StoreError::NotFound) => continue,
                        other => return Err(f(format!("update of a missing task gave {other:?}"))),
                    }
                };
                if !apply(&mut r, *change, clock).map_err(f)? {
                    continue; // illegal: the engine writes nothing
                }
                let old = m.history[&key].iter().rev().find(|&&x| x != v).copied();
                let expected = match (stale, old) {
                    (true, Some(o)) => o,
                    (true, None) => v.wrapping_add(1_000),
                    (false, _) => v,
                };
                let got = store.update(r.clone(), expected).await;
                match (got, expected == v) {
                    (Ok(nv), true) => {
                        if m.history[&key].contains(&nv) {
                            return Err(f(format!("version {nv} reused")));
                        }
                        m.history.entry(key.clone()).or_default().push(nv);
                        m.tasks.insert(key, (r, nv));
                    }
                    (Err(StoreError::Conflict), false) => {}
                    (got, fresh) => {
                        return Err(f(format!(
                            "update gave {got:?} with a fresh version: {fresh}"
                        )));
                    }
                }
            }
            Op::Race { id: i, a, b } => {
                let key = id(*i);
                let Some((r, v)) = get_checked(store, &m, &key).await.map_err(f)? else {
                    continue;
                };
                let (mut ra, mut rb) = (r.clone(), r);
                let (la, lb) = (
                    apply(&mut ra, *a, clock).map_err(f)?,
                    apply(&mut rb, *b, clock + 1).map_err(f)?,
                );
                if !(la && lb) {
                    continue;
                }
                let (ga, gb) =
                    tokio::join!(store.update(ra.clone(), v), store.update(rb.clone(), v));
                let winner = match (ga, gb) {
                    (Ok(nv), Err(StoreError::Conflict)) => (ra, nv),
                    (Err(StoreError::Conflict), Ok(nv)) => (rb, nv),
                    other => {
                        return Err(f(format!(
                            "two writers on one version: exactly one must win, got {other:?}"
                        )));
                    }
                };
                m.history.entry(key.clone()).or_default().push(winner.1);
                m.tasks.insert(key.clone(), winner);
                get_checked(store, &m, &key).await.map_err(f)?;
            }
            Op::RaceDelete { id: i, change } => {
                let key = id(*i);
                let Some((mut r, v)) = get_checked(store, &m, &key).await.map_err(f)? else {
                    continue;
                };
                if !apply(&mut r, *change, clock).map_err(f)? {
                    continue;
                }
                let (gu, gd) = tokio::join!(store.update(r, v), store.delete(key.clone()));
                match (gu, gd) {
                    // Either order: the update landed first, or found nothing.
                    (Ok(_), Ok(true)) | (Err(StoreError::NotFound), Ok(true)) => {}
                    other => return Err(f(format!("update racing delete gave {other:?}"))),
                }
                m.tasks.remove(&key);
                get_checked(store, &m, &key).await.map_err(f)?;
            }
            Op::Delete { id: i } => {
                let key = id(*i);
                let got = store.delete(key.clone()).await;
                let had = m.tasks.remove(&key).is_some();
                match got {
                    Ok(d) if d == had => {}
                    other => return Err(f(format!("delete gave {other:?}, model had it: {had}"))),
                }
            }
            Op::List {
                owner: o,
                live_only,
                after,
                limit,
            } => {
                let q = ListQuery {
                    owner: o.map(owner),
                    live_only: *live_only,
                    after_id: after.map(id),
                    limit: *limit,
                };
                let want: Vec<&TaskRecord> = m
                    .tasks
                    .values()
                    .map(|(r, _)| r)
                    .filter(|r| q.owner.as_ref().is_none_or(|o| &r.owner == o))
                    .filter(|r| !q.live_only || !r.is_terminal())
                    .filter(|r| q.after_id.as_ref().is_none_or(|a| &r.id > a))
                    .take(q.limit)
                    .collect();
                let got = store.list(q).await.map_err(|e| f(format!("list: {e}")))?;
                if got.iter().collect::<Vec<_>>() != want {
                    return Err(f(format!(
                        "list: store {:?}, model {:?}",
                        got.iter().map(|r| &r.id).collect::<Vec<_>>(),
                        want.iter().map(|r| &r.id).collect::<Vec<_>>()
                    )));
                }
            }
            Op::CountLive { owner: o, at_most } => {
                let n = m
                    .tasks
                    .values()
                    .filter(|(r, _)| r.owner == owner(*o) && !r.is_terminal())
                    .count();
                let got = store.count_live(owner(*o), *at_most).await;
                match got {
                    Ok(c) if c == n.min(*at_most) => {}
                    other => {
                        return Err(f(format!(
                            "count_live gave {other:?}, model {n} (bound {at_most})"
                        )));
                    }
                }
            }
            Op::Purge { now } => {
                let expired: Vec<String> = m
                    .tasks
                    .iter()
                    .filter(|(_, (r, _))| r.expires_at_ms().is_some_and(|e| e < *now))
                    .map(|(k, _)| k.clone())
                    .collect();
                let got = store.purge_expired(*now).await;
                match got {
                    Ok(n) if n == expired.len() => {}
                    other => {
                        return Err(f(format!(
                            "purge gave {other:?}, model expired {expired:?}"
                        )));
                    }
                }
                for k in expired {
                    m.tasks.remove(&k);
                }
            }
        }
    }
    // Finally the whole store matches the model.
    let all = store
        .list(ListQuery {
            owner: None,
            live_only: false,
            after_id: None,
            limit: 1_000_000,
        })
        .await
        .map_err(|e| format!("final list: {e}"))?;
    let want: Vec<&TaskRecord> = m.tasks.values().map(|(r, _)| r).collect();
    if all.iter().collect::<Vec<_>>() != want {
        return Err(format!(
            "{} store: final contents differ from the model",
            store.name()
        ));
    }
    Ok(())
}

/// The sequences: 1 to `max_ops` operations.
pub fn ops(max_ops: usize) -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(op(), 1..=max_ops)
}

/// Runs `cases` random sequences (up to 12 operations each) against empty stores from
/// `open` and compares each step with the model. Panics with the shrunk failing sequence;
/// its seed is saved in `regressions` (a path relative to the test's working directory)
/// and replayed first from then on.
pub fn check_against_model(
    backend: &str,
    cases: u32,
    regressions: &'static str,
    open: impl Fn() -> BoxFuture<'static, DynTaskStore>,
) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(regressions))),
        ..Config::default()
    });
    let result = runner.run(&ops(12), |ops| {
        rt.block_on(async {
            let store = open().await;
            run_ops(store.as_ref(), &ops).await
        })
        .map_err(TestCaseError::fail)
    });
    if let Err(e) = result {
        panic!("{backend} store diverges from the model: {e}");
    }
}
