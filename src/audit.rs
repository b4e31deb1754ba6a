//! Audit events: who did what to which session, from where, with what outcome.
//!
//! Every event is one structured `tracing` line with target `wpgate::audit` (filter it with
//! `RUST_LOG=wpgate::audit=info`, ship it with the JSON log format) carrying `event`,
//! `outcome`, `actor`, `user_id` and `ip`. Never a password, a cookie, a token, a verifier or
//! a hash. With `audit_stream` set, the same fields are also appended to a Redis stream
//! (`XADD <redis_prefix><audit_stream> MAXLEN ~ <audit_stream_maxlen>`), best effort: a
//! failed append is logged and never fails the request.

use std::sync::Arc;

use async_trait::async_trait;

use crate::store::StoreError;

/// Who acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// A visitor without a login (login attempts).
    Anonymous,
    /// A logged-in user acting on their own sessions.
    User,
    /// The admin API (bearer token).
    Admin,
    /// The command line (`wpgate sessions …`).
    Cli,
}

impl Actor {
    /// The field value.
    pub fn as_str(self) -> &'static str {
        match self {
            Actor::Anonymous => "anonymous",
            Actor::User => "user",
            Actor::Admin => "admin",
            Actor::Cli => "cli",
        }
    }
}

/// One audit event.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    /// What happened: `login`, `logout`, `session-revoke`, `sessions-destroy-others`,
    /// `sessions-destroy-all`, `sessions-list`, `password-rehash`.
    pub event: &'static str,
    /// How it ended: `ok`, `invalid-credentials`, `blocked`, `not-found`, `forbidden`, ….
    pub outcome: &'static str,
    /// Who acted.
    pub actor: Actor,
    /// The user concerned (0 / `None` when unknown).
    pub user_id: Option<u64>,
    /// The client address (after the trusted-proxy rules).
    pub ip: Option<String>,
}

impl AuditEvent {
    /// An event with no user and no address yet.
    pub fn new(event: &'static str, outcome: &'static str, actor: Actor) -> AuditEvent {
        AuditEvent { event, outcome, actor, user_id: None, ip: None }
    }

    /// Sets the user.
    pub fn user(mut self, id: u64) -> AuditEvent {
        self.user_id = Some(id);
        self
    }

    /// Sets the client address.
    pub fn ip(mut self, ip: Option<&str>) -> AuditEvent {
        self.ip = ip.map(str::to_owned);
        self
    }
}

/// Where audit events are appended besides the log (the Redis store).
#[async_trait]
pub trait AuditSink: Send + Sync + 'static {
    /// Appends one entry to `stream` (a name under the store's prefix), trimming it to about
    /// `maxlen` entries.
    async fn append_audit(
        &self,
        stream: &str,
        maxlen: u64,
        fields: &[(&'static str, String)],
    ) -> Result<(), StoreError>;
}

/// The audit trail.
#[derive(Clone, Default)]
pub struct Audit {
    stream: Option<(Arc<dyn AuditSink>, String, u64)>,
}

impl std::fmt::Debug for Audit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Audit")
            .field("stream", &self.stream.as_ref().map(|(_, name, max)| (name, max)))
            .finish()
    }
}

impl Audit {
    /// Log lines only.
    pub fn log_only() -> Audit {
        Audit::default()
    }

    /// Log lines, and entries appended to `stream` through `sink`.
    pub fn with_stream(sink: Arc<dyn AuditSink>, stream: String, maxlen: u64) -> Audit {
        Audit { stream: Some((sink, stream, maxlen)) }
    }

    /// Records one event: the log line now, the stream entry in the background.
    pub fn record(&self, event: AuditEvent) {
        log(&event);
        let Some((sink, stream, maxlen)) = &self.stream else { return };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        let (sink, stream, maxlen) = (Arc::clone(sink), stream.clone(), *maxlen);
        let fields = fields(event);
        runtime.spawn(async move {
            if let Err(e) = sink.append_audit(&stream, maxlen, &fields).await {
                tracing::warn!(error = ?e, "audit stream append failed");
            }
        });
    }

    /// Records one event and waits for the stream entry (a command line about to exit).
    ///
    /// # Errors
    /// The stream append failed.
    pub async fn record_and_wait(&self, event: AuditEvent) -> Result<(), StoreError> {
        log(&event);
        match &self.stream {
            Some((sink, stream, maxlen)) => {
                sink.append_audit(stream, *maxlen, &fields(event)).await
            }
            None => Ok(()),
        }
    }
}

fn log(event: &AuditEvent) {
    tracing::info!(
        target: "wpgate::audit",
        event = event.event,
        outcome = event.outcome,
        actor = event.actor.as_str(),
        user_id = event.user_id.unwrap_or(0),
        ip = event.ip.as_deref().unwrap_or(""),
        "audit"
    );
}

fn fields(event: AuditEvent) -> Vec<(&'static str, String)> {
    let time = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    vec![
        ("event", event.event.to_owned()),
        ("outcome", event.outcome.to_owned()),
        ("actor", event.actor.as_str().to_owned()),
        ("user_id", event.user_id.unwrap_or(0).to_string()),
        ("ip", event.ip.unwrap_or_default()),
        ("time", time.to_string()),
    ]
}
