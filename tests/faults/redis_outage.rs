//! The Redis session store goes away and comes back.

use std::time::{Duration, Instant};

use secrecy::SecretString;
use wpgate::config::SessionBackend;

use crate::app::{TestApp, VALIDATE, valid_and_revoked};
use crate::load::{Load, Outage, check_outage, run_for};
use crate::servers::{PrivateRedis, TempDir};
use crate::support::wp_db::WpDb;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn validation_answers_503_while_redis_is_down_and_recovers_within_2s() {
    let dir = TempDir::new("redis");
    let mut redis = PrivateRedis::start(dir.path(), &[]);
    let db = WpDb::create().await;
    let url = redis.url();
    let app = TestApp::spawn(&db, |s| {
        s.sessions = SessionBackend::Redis;
        s.redis_url = Some(SecretString::from(url));
        s.redis_prefix = "wpgate-faults:".to_owned();
    })
    .await;
    let (valid, revoked) = valid_and_revoked(&app).await;

    let load = Load::start(&app.url(VALIDATE), &[("valid", valid), ("revoked", revoked)], 2);
    run_for(Duration::from_secs(1)).await;
    let stopping = Instant::now();
    tokio::task::block_in_place(|| redis.kill());
    let down = Instant::now();
    run_for(Duration::from_secs(3)).await;
    let restarting = Instant::now();
    tokio::task::block_in_place(|| redis.restart());
    let up = Instant::now();
    run_for(Duration::from_secs(4)).await;
    let samples = load.stop().await;

    check_outage(&samples, Outage { stopping, down, restarting, up }, Duration::from_secs(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hanging_redis_answers_503_within_the_store_timeout() {
    // SIGSTOP: the server keeps its socket open and answers nothing (a network partition or a
    // stuck server), the case only a time limit catches.
    let dir = TempDir::new("redis-hang");
    let redis = PrivateRedis::start(dir.path(), &[]);
    let db = WpDb::create().await;
    let url = redis.url();
    let app = TestApp::spawn(&db, |s| {
        s.sessions = SessionBackend::Redis;
        s.redis_url = Some(SecretString::from(url));
        s.redis_prefix = "wpgate-faults:".to_owned();
    })
    .await;
    let (valid, revoked) = valid_and_revoked(&app).await;

    let load = Load::start(&app.url(VALIDATE), &[("valid", valid), ("revoked", revoked)], 2);
    run_for(Duration::from_secs(1)).await;
    let stopping = Instant::now();
    redis.signal("STOP");
    let down = Instant::now();
    run_for(Duration::from_secs(5)).await;
    let restarting = Instant::now();
    redis.signal("CONT");
    let up = Instant::now();
    run_for(Duration::from_secs(4)).await;
    let samples = load.stop().await;

    check_outage(&samples, Outage { stopping, down, restarting, up }, Duration::from_secs(2));
    // Each request during the hang was cut by the store's 2 s limit, not left hanging.
    let slowest = samples
        .iter()
        .filter(|s| s.started >= down && s.ended < restarting)
        .map(|s| s.ended - s.started)
        .max()
        .unwrap();
    assert!(slowest < Duration::from_secs(3), "a request took {slowest:?} during the hang");
}
