//! The site's database goes away and comes back, with the user cache off (every validation
//! reads the user row, as after the cache's TTL).

use std::time::{Duration, Instant};

use crate::app::{TestApp, VALIDATE, valid_and_revoked};
use crate::load::{Load, Outage, Sample, check_outage, run_for};
use crate::servers::PrivateMariaDb;
use crate::support::wp_db::{WpDb, WpDbOptions};

/// The service's own limit on one database operation (`DbConfig::query_timeout`), plus slack
/// for a loaded machine.
const OPERATION_LIMIT: Duration = Duration::from_secs(6);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn validation_answers_503_while_the_database_is_down_and_recovers_within_2s() {
    let mut mariadb = tokio::task::block_in_place(PrivateMariaDb::start);
    let db = site_database(&mariadb).await;
    // Sessions in memory: only the database fails here.
    let app = TestApp::spawn(&db, |s| s.user_cache_ttl = 0).await;
    let (valid, revoked) = valid_and_revoked(&app).await;

    let load = Load::start(&app.url(VALIDATE), &[("valid", valid), ("revoked", revoked)], 2);
    run_for(Duration::from_secs(1)).await;
    let stopping = Instant::now();
    tokio::task::block_in_place(|| mariadb.kill());
    let down = Instant::now();
    // Longer than the pool's 3 s wait for a connection, so that requests run entirely inside.
    run_for(Duration::from_secs(7)).await;
    let restarting = Instant::now();
    tokio::task::block_in_place(|| mariadb.restart());
    let up = Instant::now();
    run_for(Duration::from_secs(4)).await;
    let samples = load.stop().await;

    check_outage(&samples, Outage { stopping, down, restarting, up }, Duration::from_secs(2));
    assert_bounded(&samples, down, restarting);
    // The fixture's database lives on the private server: drop it before the server goes.
    db.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hanging_database_answers_503_within_the_operation_timeout() {
    // SIGSTOP: connections stay open and queries get no answer; the interrupted connections
    // must not be reused out of step with the server once it wakes up.
    let mariadb = tokio::task::block_in_place(PrivateMariaDb::start);
    let db = site_database(&mariadb).await;
    let app = TestApp::spawn(&db, |s| s.user_cache_ttl = 0).await;
    let (valid, revoked) = valid_and_revoked(&app).await;

    let load = Load::start(&app.url(VALIDATE), &[("valid", valid), ("revoked", revoked)], 2);
    run_for(Duration::from_secs(1)).await;
    let stopping = Instant::now();
    mariadb.signal("STOP");
    let down = Instant::now();
    run_for(Duration::from_secs(8)).await;
    let restarting = Instant::now();
    mariadb.signal("CONT");
    let up = Instant::now();
    run_for(Duration::from_secs(4)).await;
    let samples = load.stop().await;

    check_outage(&samples, Outage { stopping, down, restarting, up }, Duration::from_secs(2));
    assert_bounded(&samples, down, restarting);
    db.drop_database().await;
}

async fn site_database(mariadb: &PrivateMariaDb) -> WpDb {
    WpDb::create_with(WpDbOptions { server_host: Some(mariadb.host()), ..WpDbOptions::default() })
        .await
}

/// No request during the outage waited longer than the service's own time limits.
fn assert_bounded(samples: &[Sample], down: Instant, restarting: Instant) {
    let slowest = samples
        .iter()
        .filter(|s| s.started >= down && s.ended < restarting)
        .map(|s| s.ended - s.started)
        .max()
        .unwrap();
    eprintln!("slowest answer while the database was down: {slowest:?}");
    assert!(slowest < OPERATION_LIMIT, "a request took {slowest:?} while the database was down");
}
