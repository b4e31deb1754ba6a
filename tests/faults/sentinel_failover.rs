//! Redis Sentinel: the primary is killed under load and the service follows the fail-over on
//! its own.

use std::time::{Duration, Instant};

use secrecy::SecretString;
use wpgate::config::SessionBackend;

use crate::app::{TestApp, VALIDATE, valid_and_revoked};
use crate::load::{Load, Outcome, assert_statuses, of, run_for, summary, within};
use crate::servers::{SentinelSetup, wait_until};
use crate::support::wp_db::WpDb;

/// The longest the valid session may go unaccepted after the primary is killed: the sentinel
/// needs `down-after-milliseconds` (1 s) to see the primary down, then elects and promotes
/// the replica (about 1 s more); the store then needs one failed round trip to ask again.
const ERROR_WINDOW_LIMIT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_the_sentinel_primary_under_load_is_survived() {
    let mut setup = tokio::task::block_in_place(SentinelSetup::start);
    let db = WpDb::create().await;
    let url = setup.url();
    let app = TestApp::spawn(&db, |s| {
        s.sessions = SessionBackend::Redis;
        s.redis_url = Some(SecretString::from(url));
        s.redis_prefix = "wpgate-faults:".to_owned();
    })
    .await;
    let (valid, revoked) = valid_and_revoked(&app).await;
    tokio::task::block_in_place(|| setup.wait_replicated());
    let old_primary = setup.primary.port;

    let load = Load::start(&app.url(VALIDATE), &[("valid", valid), ("revoked", revoked)], 2);
    run_for(Duration::from_secs(1)).await;
    let stopping = Instant::now();
    tokio::task::block_in_place(|| setup.primary.kill());
    let killed = Instant::now();
    tokio::task::block_in_place(|| {
        wait_until("the sentinel to promote the replica", Duration::from_secs(30), || {
            setup.primary_port() == Some(setup.replica.port)
        });
    });
    let promoted = Instant::now();
    // Keep the load on until the service has been back for a while.
    let started = Instant::now();
    loop {
        run_for(Duration::from_millis(200)).await;
        assert!(started.elapsed() < Duration::from_secs(30), "the load never finished");
        if promoted.elapsed() >= Duration::from_secs(4) && load.completed() > 0 {
            break;
        }
    }
    let samples = load.stop().await;
    eprintln!(
        "primary {old_primary} killed; sentinel promoted {} after {:?}",
        setup.replica.port,
        promoted - killed
    );
    eprintln!(
        "valid: {}; revoked: {}",
        summary(&of(&samples, "valid")),
        summary(&of(&samples, "revoked"))
    );

    // Never a dropped connection, never a guess; the revoked session is never accepted (it was
    // replicated as revoked before the primary died).
    assert_statuses("valid session, any time", &of(&samples, "valid"), &[200, 503]);
    assert_statuses("revoked session, any time", &of(&samples, "revoked"), &[401, 503]);
    let first = samples.iter().map(|s| s.started).min().unwrap();
    assert_statuses("before the kill", &within(&samples, "valid", first, stopping), &[200]);

    // The error window: from the kill to the end of the last request that was not accepted.
    let last_error = samples
        .iter()
        .filter(|s| s.cookie == "valid" && s.outcome != Outcome::Status(200))
        .map(|s| s.ended)
        .max();
    let window = last_error.map_or(Duration::ZERO, |t| t.saturating_duration_since(killed));
    eprintln!("error window after the kill: {window:?}");
    assert!(window <= ERROR_WINDOW_LIMIT, "the service needed {window:?} to recover");
    // Recovered for good: the last two seconds were all accepted.
    let end = samples.last().unwrap().ended;
    let tail =
        within(&samples, "valid", end - Duration::from_secs(2), end + Duration::from_secs(1));
    assert!(!tail.is_empty());
    assert_statuses("after the fail-over", &tail, &[200]);
}
