//! The test suite every [`TaskStore`] backend runs (feature `store-conformance`, always in
//! this crate's tests). A third-party store calls [`run_all`] from its own tests.

use mcp_tasks_types::{Era, JsonObject};

use super::{Lease, ListQuery, StoreError, TaskStore};
use crate::record::{Outcome, Owner, TaskRecord, TaskRequest};
use crate::state::TaskEvent;

fn record(id: &str, owner: Owner, created: u64, ttl: Option<u64>) -> TaskRecord {
    TaskRecord::new(
        id.to_owned(),
        owner,
        Era::Modern,
        TaskRequest {
            method: "tools/call".into(),
            name: "t".into(),
            arguments: JsonObject::new(),
        },
        created,
        ttl,
        Some(100),
    )
}

/// Runs every check against `store`, which must start empty.
pub async fn run_all(store: &dyn TaskStore) {
    create_get_roundtrip(store).await;
    duplicate_ids_are_rejected(store).await;
    updates_are_compare_and_swap(store).await;
    racing_writers_exactly_one_wins(store).await;
    list_filters_and_pages(store).await;
    purge_removes_only_expired(store).await;
    delete_removes(store).await;
    leases_are_kept_beside_the_record(store).await;
    a_lease_is_claimed_only_when_free_and_by_one_claimer(store).await;
    leases_are_renewed_and_released_without_a_new_version(store).await;
}

fn lease(holder: &str, until_ms: u64) -> Option<Lease> {
    Some(Lease {
        holder: holder.into(),
        until_ms,
    })
}

async fn leases_are_kept_beside_the_record(store: &dyn TaskStore) {
    let r = record("lease-1", Owner::Unbound, 1, None).with_lease(lease("A", 5_000));
    let v = store.create(r.clone()).await.unwrap();
    let (got, _) = store.get("lease-1".into()).await.unwrap().unwrap();
    assert_eq!(got, r, "{}: the lease round-trips", store.name());
    // `update` never moves the lease, whatever the record says.
    let mut changed = got.clone().with_lease(lease("B", 9_999));
    changed.status_message = Some("step".into());
    store.update(changed, v).await.unwrap();
    let (got, _) = store.get("lease-1".into()).await.unwrap().unwrap();
    assert_eq!(got.lease, lease("A", 5_000), "{}", store.name());
    assert_eq!(got.status_message.as_deref(), Some("step"));
    let listed = store
        .list(ListQuery {
            owner: None,
            live_only: true,
            after_id: Some("lease-0".into()),
            limit: 1,
        })
        .await
        .unwrap();
    assert_eq!(listed[0].lease, lease("A", 5_000), "{}: list", store.name());
}

async fn a_lease_is_claimed_only_when_free_and_by_one_claimer(store: &dyn TaskStore) {
    let (r, v) = store.get("lease-1".into()).await.unwrap().unwrap();
    // Held by A until 5 000: B cannot claim it at 4 000.
    let by_b = r.clone().with_lease(lease("B", 20_000));
    assert!(matches!(
        store.claim(by_b.clone(), v, 4_000).await,
        Err(StoreError::Conflict)
    ));
    // A itself may (its own lease).
    let v = store
        .claim(r.clone().with_lease(lease("A", 6_000)), v, 4_000)
        .await
        .expect("the holder re-claims its own lease");
    // Expired at 7 000: of B and C claiming together, exactly one wins.
    let by_c = r.clone().with_lease(lease("C", 20_000));
    let (rb, rc) = tokio::join!(
        store.claim(by_b.clone(), v, 7_000),
        store.claim(by_c, v, 7_000)
    );
    assert_eq!(
        rb.is_ok() as u8 + rc.is_ok() as u8,
        1,
        "{}: exactly one claimer wins",
        store.name()
    );
    let winner = if rb.is_ok() { "B" } else { "C" };
    let (got, _) = store.get("lease-1".into()).await.unwrap().unwrap();
    assert_eq!(got.lease.unwrap().holder, winner);
    // A stale version never claims, even an expired lease.
    assert!(matches!(
        store.claim(by_b, v, u64::MAX).await,
        Err(StoreError::Conflict)
    ));
    let ghost = record("lease-ghost", Owner::Unbound, 1, None);
    assert!(matches!(
        store.claim(ghost, 1, u64::MAX).await,
        Err(StoreError::NotFound)
    ));
}

async fn leases_are_renewed_and_released_without_a_new_version(store: &dyn TaskStore) {
    let r = record("lease-2", Owner::Unbound, 1, None).with_lease(lease("A", 1_000));
    store.create(r).await.unwrap();
    let done = record("lease-3", Owner::Unbound, 1, None).with_lease(lease("A", 1_000));
    let v3 = store.create(done.clone()).await.unwrap();
    let mut done = done;
    done.apply(TaskEvent::Completed, 2).unwrap();
    store.update(done, v3).await.unwrap();
    let unleased = |before: u64| async move {
        store
            .list_unleased(before, Some("lease-1".into()), 10)
            .await
            .unwrap()
            .into_iter()
            .map(|(r, _)| r.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(unleased(1_000).await, Vec::<String>::new());
    assert_eq!(
        unleased(1_001).await,
        ["lease-2"],
        "{}: expired and live only",
        store.name()
    );
    let (_, before) = store.get("lease-2".into()).await.unwrap().unwrap();
    let renewed = store
        .renew_leases(
            "A".into(),
            vec![
                "lease-2".into(),
                "lease-3".into(),
                "lease-1".into(),
                "nope".into(),
            ],
            50_000,
        )
        .await
        .unwrap();
    assert_eq!(
        renewed,
        ["lease-2"],
        "{}: only live tasks A still holds",
        store.name()
    );
    let (got, after) = store.get("lease-2".into()).await.unwrap().unwrap();
    assert_eq!(got.lease, lease("A", 50_000));
    assert_eq!(before, after, "a heartbeat is not a change");
    assert_eq!(unleased(40_000).await, Vec::<String>::new());
    // Released (until 0): claimable at once.
    store
        .renew_leases("A".into(), vec!["lease-2".into()], 0)
        .await
        .unwrap();
    assert_eq!(unleased(1).await, ["lease-2"]);
    store
        .claim(got.with_lease(lease("B", 60_000)), after, 1)
        .await
        .expect("a released lease is free");
}

async fn create_get_roundtrip(store: &dyn TaskStore) {
    let mut r = record("a-1", Owner::Session("s1".into()), 1_000, Some(60_000));
    r.status_message = Some("hello".into());
    let v = store.create(r.clone()).await.expect("create");
    let (got, gv) = store
        .get("a-1".into())
        .await
        .expect("get")
        .expect("present");
    assert_eq!(got, r, "{}: record must round-trip exactly", store.name());
    assert_eq!(gv, v);
    assert!(store.get("nope".into()).await.expect("get").is_none());
}

async fn duplicate_ids_are_rejected(store: &dyn TaskStore) {
    let r = record("a-1", Owner::Unbound, 1, None);
    assert!(matches!(
        store.create(r).await,
        Err(StoreError::AlreadyExists)
    ));
}

async fn updates_are_compare_and_swap(store: &dyn TaskStore) {
    let (mut r, v1) = store.get("a-1".into()).await.unwrap().unwrap();
    r.apply(TaskEvent::Completed, 2_000).unwrap();
    r.outcome = Some(Outcome::Result(JsonObject::new()));
    let v2 = store
        .update(r.clone(), v1)
        .await
        .expect("update with current version");
    assert_ne!(v1, v2);
    // A writer holding the old version loses and changes nothing.
    let mut stale = r.clone();
    stale.status_message = Some("stale".into());
    assert!(matches!(
        store.update(stale, v1).await,
        Err(StoreError::Conflict)
    ));
    let (now, _) = store.get("a-1".into()).await.unwrap().unwrap();
    assert_eq!(now.status_message.as_deref(), Some("hello"));
    assert!(now.is_terminal());
    let ghost = record("ghost", Owner::Unbound, 1, None);
    assert!(matches!(
        store.update(ghost, 1).await,
        Err(StoreError::NotFound)
    ));
}

async fn racing_writers_exactly_one_wins(store: &dyn TaskStore) {
    let r = record("race", Owner::Unbound, 1, None);
    let v = store.create(r.clone()).await.unwrap();
    let mut a = r.clone();
    a.apply(TaskEvent::Cancelled, 5).unwrap();
    let mut b = r;
    b.apply(TaskEvent::Completed, 5).unwrap();
    let (ra, rb) = tokio::join!(store.update(a, v), store.update(b, v));
    assert_eq!(
        ra.is_ok() as u8 + rb.is_ok() as u8,
        1,
        "{}: exactly one of two racing writers must win",
        store.name()
    );
}

async fn list_filters_and_pages(store: &dyn TaskStore) {
    for i in 0..5 {
        store
            .create(record(
                &format!("l-{i}"),
                Owner::Session("s2".into()),
                10,
                None,
            ))
            .await
            .unwrap();
    }
    let q = |after: Option<&str>| ListQuery {
        owner: Some(Owner::Session("s2".into())),
        live_only: false,
        after_id: after.map(str::to_owned),
        limit: 2,
    };
    let p1 = store.list(q(None)).await.unwrap();
    assert_eq!(
        p1.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["l-0", "l-1"]
    );
    let p3 = store.list(q(Some("l-3"))).await.unwrap();
    assert_eq!(
        p3.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["l-4"]
    );
    assert_eq!(
        store
            .count_live(Owner::Session("s2".into()), 100)
            .await
            .unwrap(),
        5
    );
    assert_eq!(
        store
            .count_live(Owner::Session("s1".into()), 100)
            .await
            .unwrap(),
        0,
        "a-1 is terminal"
    );
    assert_eq!(
        store
            .count_live(Owner::Session("s2".into()), 3)
            .await
            .unwrap(),
        3,
        "counting may stop at the bound"
    );
    let live = store
        .list(ListQuery {
            owner: None,
            live_only: true,
            after_id: None,
            limit: 100,
        })
        .await
        .unwrap();
    assert!(live.iter().all(|r| !r.is_terminal()));
    assert!(live.iter().any(|r| r.id == "l-2"));
}

async fn purge_removes_only_expired(store: &dyn TaskStore) {
    store
        .create(record("ttl-short", Owner::Unbound, 100, Some(50)))
        .await
        .unwrap();
    store
        .create(record("ttl-long", Owner::Unbound, 100, Some(10_000)))
        .await
        .unwrap();
    let n = store.purge_expired(1_000).await.unwrap();
    assert!(n >= 1, "{}: the expired task must be purged", store.name());
    assert!(store.get("ttl-short".into()).await.unwrap().is_none());
    assert!(store.get("ttl-long".into()).await.unwrap().is_some());
    assert!(
        store.get("l-0".into()).await.unwrap().is_some(),
        "no TTL = never purged"
    );
}

async fn delete_removes(store: &dyn TaskStore) {
    assert!(store.delete("ttl-long".into()).await.unwrap());
    assert!(!store.delete("ttl-long".into()).await.unwrap());
    assert!(store.get("ttl-long".into()).await.unwrap().is_none());
}
