use std::sync::Arc;

use wpgate::store::memory::MemoryStore;

use crate::acceptance::store_acceptance_suite;

#[tokio::test]
async fn memory_store_passes_the_acceptance_suite() {
    store_acceptance_suite(|| async { Arc::new(MemoryStore::new()) }).await;
}
