//! The crate's example, run: a third-party store that depends on this crate alone passes the
//! suite every built-in backend passes.

#[allow(dead_code)]
#[path = "../examples/custom_store.rs"]
mod custom_store;

/// The custom store passes the store suite and counts what the suite wrote through it; an
/// engine takes it as it takes the built-in stores.
#[cfg(feature = "store-conformance")]
#[tokio::test]
async fn example_custom_store_passes_the_store_suite() {
    use std::sync::atomic::Ordering;
    let store = std::sync::Arc::new(custom_store::CountingStore::default());
    mcp_tasks_core::store::conformance::run_all(store.as_ref()).await;
    assert!(store.writes.load(Ordering::Relaxed) > 10);
    let engine = custom_store::engine(store.clone());
    assert!(format!("{engine:?}").contains("counting-memory"));
}
