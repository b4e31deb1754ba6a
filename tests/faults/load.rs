//! Continuous validation load: a few clients each send `GET /authz/auth-request` with one
//! cookie in a loop and record when each request started and ended and how it came out.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How one request came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// An HTTP answer with this status.
    Status(u16),
    /// No HTTP answer: refused, reset, timed out.
    Transport(String),
}

/// One request of one client.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Which cookie was sent (the name given to [`Load::start`]).
    pub cookie: &'static str,
    pub started: Instant,
    pub ended: Instant,
    pub outcome: Outcome,
}

/// Clients running until [`Load::stop`].
pub struct Load {
    stop: Arc<AtomicBool>,
    samples: Arc<Mutex<Vec<Sample>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    /// `clients` clients per cookie, each looping over `url` with its `Cookie` header.
    pub fn start(url: &str, cookies: &[(&'static str, String)], clients: usize) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let samples = Arc::new(Mutex::new(Vec::new()));
        let http = reqwest::Client::builder()
            // Longer than any time limit of the service (the database's 5 s per operation):
            // a request that hits it is a hang, reported as such.
            .timeout(Duration::from_secs(15))
            .build()
            .unwrap();
        let mut tasks = Vec::new();
        for (name, cookie) in cookies {
            for _ in 0..clients {
                let (stop, samples, http) = (stop.clone(), samples.clone(), http.clone());
                let (name, cookie, url) = (*name, cookie.clone(), url.to_owned());
                tasks.push(tokio::spawn(async move {
                    while !stop.load(Ordering::Relaxed) {
                        let started = Instant::now();
                        let outcome = match http.get(&url).header("cookie", &cookie).send().await {
                            Ok(r) => {
                                let status = r.status().as_u16();
                                // Read the body: a connection cut mid-answer is a failure too.
                                match r.bytes().await {
                                    Ok(_) => Outcome::Status(status),
                                    Err(e) => Outcome::Transport(format!("body: {e}")),
                                }
                            }
                            Err(e) => Outcome::Transport(format!("{e:?}")),
                        };
                        let ended = Instant::now();
                        samples.lock().unwrap().push(Sample {
                            cookie: name,
                            started,
                            ended,
                            outcome,
                        });
                        // Keep the load moderate: the machine is shared with builds.
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                }));
            }
        }
        Load { stop, samples, tasks }
    }

    /// Stops the clients and returns every sample, in order of completion.
    pub async fn stop(self) -> Vec<Sample> {
        self.stop.store(true, Ordering::Relaxed);
        for task in self.tasks {
            task.await.unwrap();
        }
        let mut samples = std::mem::take(&mut *self.samples.lock().unwrap());
        samples.sort_by_key(|s| s.ended);
        samples
    }

    /// How many requests have completed so far.
    pub fn completed(&self) -> usize {
        self.samples.lock().unwrap().len()
    }
}

/// Counts of each outcome, for failure messages: `200×812 503×40`.
pub fn summary(samples: &[&Sample]) -> String {
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for s in samples {
        let key = match &s.outcome {
            Outcome::Status(code) => code.to_string(),
            Outcome::Transport(e) => {
                format!("transport({})", e.chars().take(60).collect::<String>())
            }
        };
        *counts.entry(key).or_default() += 1;
    }
    counts.iter().map(|(k, n)| format!("{k}×{n}")).collect::<Vec<_>>().join(" ")
}

/// The samples of one cookie that started at or after `from` and ended before `to`.
pub fn within<'a>(
    samples: &'a [Sample],
    cookie: &str,
    from: Instant,
    to: Instant,
) -> Vec<&'a Sample> {
    samples.iter().filter(|s| s.cookie == cookie && s.started >= from && s.ended < to).collect()
}

/// Every sample of one cookie.
pub fn of<'a>(samples: &'a [Sample], cookie: &str) -> Vec<&'a Sample> {
    samples.iter().filter(|s| s.cookie == cookie).collect()
}

/// Asserts that every sample is an HTTP answer with one of `allowed` statuses.
pub fn assert_statuses(what: &str, samples: &[&Sample], allowed: &[u16]) {
    let bad: Vec<&&Sample> = samples
        .iter()
        .filter(|s| !matches!(s.outcome, Outcome::Status(code) if allowed.contains(&code)))
        .collect();
    assert!(
        bad.is_empty(),
        "{what}: expected only {allowed:?}, got {} of {} otherwise ({}); first: {:?}",
        bad.len(),
        samples.len(),
        summary(samples),
        bad.first().map(|s| &s.outcome)
    );
}

/// Sleeps while the load runs.
pub async fn run_for(duration: Duration) {
    tokio::time::sleep(duration).await;
}

/// When a dependency went down and came back, as seen by the test.
#[derive(Debug, Clone, Copy)]
pub struct Outage {
    /// Just before the dependency was stopped.
    pub stopping: Instant,
    /// The dependency was stopped (killed and reaped, or frozen).
    pub down: Instant,
    /// The restart began (the dependency was still down until then).
    pub restarting: Instant,
    /// The dependency accepted connections and served its data again.
    pub up: Instant,
}

/// The guarantees of a dependency outage, for the `valid` and `revoked` cookies:
///
/// - before the outage (requests that ended before it began) the valid session is accepted
///   (200) and the revoked one refused (401);
/// - during it, every request answers 503: never 200 for a session nobody can verify, never
///   401 (a guess), never a dropped connection;
/// - the revoked session is never accepted, whatever happens;
/// - from `up + recovery_limit` on, the valid session is accepted again, every time.
///
/// Returns the time from `up` to the first request after which every request of the valid
/// session was accepted (the recovery time).
pub fn check_outage(samples: &[Sample], outage: Outage, recovery_limit: Duration) -> Duration {
    let Outage { stopping, down, restarting, up } = outage;
    let first = samples.iter().map(|s| s.started).min().expect("no request completed");
    let last = samples.iter().map(|s| s.ended).max().unwrap();
    eprintln!(
        "load: {} requests; valid: {}; revoked: {}",
        samples.len(),
        summary(&of(samples, "valid")),
        summary(&of(samples, "revoked"))
    );

    assert_statuses("valid session, any time", &of(samples, "valid"), &[200, 503]);
    assert_statuses("revoked session, any time", &of(samples, "revoked"), &[401, 503]);

    let before = within(samples, "valid", first, stopping);
    assert!(!before.is_empty(), "no request before the outage");
    assert_statuses("valid session before the outage", &before, &[200]);
    assert_statuses(
        "revoked session before the outage",
        &within(samples, "revoked", first, stopping),
        &[401],
    );

    let during = within(samples, "valid", down, restarting);
    assert!(!during.is_empty(), "no request ran entirely inside the outage");
    assert_statuses("valid session while the dependency is down", &during, &[503]);
    assert_statuses(
        "revoked session while the dependency is down",
        &within(samples, "revoked", down, restarting),
        &[503],
    );

    let settled = within(samples, "valid", up + recovery_limit, last + Duration::from_secs(1));
    assert!(!settled.is_empty(), "no request after the recovery limit");
    assert_statuses(
        &format!("valid session from {recovery_limit:?} after the restart on"),
        &settled,
        &[200],
    );

    // The recovery time: from `up` to the start of the first request after which every
    // request of the valid session (started later) was accepted.
    let after_up: Vec<&Sample> =
        samples.iter().filter(|s| s.cookie == "valid" && s.started >= up).collect();
    let mut recovered = after_up.first().map_or(up, |s| s.started);
    for s in &after_up {
        if s.outcome != Outcome::Status(200) {
            recovered = s.ended;
        }
    }
    let recovery = recovered.saturating_duration_since(up);
    eprintln!(
        "outage {:?}; valid session accepted again {recovery:?} after the restart",
        restarting - down
    );
    assert!(recovery <= recovery_limit, "recovery took {recovery:?}");
    recovery
}
