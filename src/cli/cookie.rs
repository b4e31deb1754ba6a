//! `wpgate cookie inspect|verify|mint`: WordPress auth cookies from the command line.
//!
//! * `inspect` decodes a cookie value (raw `login|expiration|token|hmac` or percent-encoded as
//!   on the wire) or a whole `Cookie:` header, without any secret: the fields, the scheme its
//!   name implies, the expiration as a date and the token's verifier (never the token).
//! * `verify` checks the HMAC and the expiry with the site's salts and the user's password hash
//!   (there is no database here, so the hash is given and the session is not checked).
//! * `mint` makes a cookie, as `wp_generate_auth_cookie()` does.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use wpgate_core::auth_cookie::{self, AuthCookie, CookieError, RequestKind, Scheme};
use wpgate_core::cookies::{
    CookieHash, GRACE_EXTENSION, REMEMBER_LIFETIME, RequestCookies, SESSION_LIFETIME,
    raw_url_decode, raw_url_encode,
};
use wpgate_core::session_tokens::{SessionToken, Verifier};

use super::{GlobalArgs, now_or_clock, verdict, version};
use crate::config::Settings;

/// `wpgate cookie …`.
#[derive(Debug, Subcommand)]
pub enum CookieCommand {
    /// Decode a cookie value or a whole `Cookie:` header (needs no secret).
    Inspect(InspectArgs),
    /// Check a cookie's HMAC and expiry: exit 0 valid, 1 invalid (with the reason).
    Verify(VerifyArgs),
    /// Make an auth cookie value as wp_generate_auth_cookie() does.
    Mint(MintArgs),
}

/// `wpgate cookie inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// A cookie value (raw or percent-encoded), `name=value`, or a `Cookie:` header.
    pub input: String,
    /// Unix time to compare the expiration with (default: the clock).
    #[arg(long)]
    pub now: Option<i64>,
}

/// `wpgate cookie verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A cookie value (raw or percent-encoded), `name=value`, or a `Cookie:` header.
    pub input: String,
    /// The scheme to validate with.
    #[arg(long, value_enum)]
    pub scheme: SchemeArg,
    /// The user's `wp_users.user_pass` (the password hash, not the password).
    #[arg(long, value_name = "HASH")]
    pub user_pass_hash: String,
    /// Unix time to validate at (default: the clock).
    #[arg(long)]
    pub now: Option<i64>,
    /// Validate as for a POST request (one hour of grace).
    #[arg(long)]
    pub post: bool,
    /// Validate as for an AJAX request (one hour of grace).
    #[arg(long)]
    pub ajax: bool,
}

/// `wpgate cookie mint`.
#[derive(Debug, Args)]
pub struct MintArgs {
    /// The user's login (`wp_users.user_login`), exactly as stored.
    #[arg(long)]
    pub login: String,
    /// The user's `wp_users.user_pass` (the password hash).
    #[arg(long, value_name = "HASH")]
    pub user_pass_hash: String,
    /// The cookie's scheme.
    #[arg(long, value_enum)]
    pub scheme: SchemeArg,
    /// Expiration as Unix time (default: now + 2 days, or 14 with --remember).
    #[arg(long, conflicts_with = "remember")]
    pub expiration: Option<i64>,
    /// "Remember Me": now + 14 days.
    #[arg(long)]
    pub remember: bool,
    /// The session token (default: a new random one, as WP_Session_Tokens::create makes).
    #[arg(long)]
    pub token: Option<String>,
    /// Unix time the expiration counts from (default: the clock).
    #[arg(long)]
    pub now: Option<i64>,
}

/// A cookie scheme on the command line (WordPress's names; `-` works for `_`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemeArg {
    /// `auth`: the `wordpress_{hash}` cookie (http).
    #[value(name = "auth")]
    Auth,
    /// `secure_auth`: the `wordpress_sec_{hash}` cookie (https).
    #[value(name = "secure_auth", alias = "secure-auth")]
    SecureAuth,
    /// `logged_in`: the `wordpress_logged_in_{hash}` cookie.
    #[value(name = "logged_in", alias = "logged-in")]
    LoggedIn,
}

impl From<SchemeArg> for Scheme {
    fn from(s: SchemeArg) -> Scheme {
        match s {
            SchemeArg::Auth => Scheme::Auth,
            SchemeArg::SecureAuth => Scheme::SecureAuth,
            SchemeArg::LoggedIn => Scheme::LoggedIn,
        }
    }
}

/// Runs one `wpgate cookie` command.
///
/// # Errors
/// Unusable input or settings.
pub fn run(command: CookieCommand, global: &GlobalArgs, out: &mut dyn Write) -> Result<ExitCode> {
    match command {
        CookieCommand::Inspect(args) => inspect(&args, out),
        CookieCommand::Verify(args) => verify(&args, global, out),
        CookieCommand::Mint(args) => mint(&args, global, out),
    }
}

fn inspect(args: &InspectArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let now = now_or_clock(args.now)?;
    match CookieInput::read(&args.input) {
        CookieInput::Value(bytes) => describe_value(&bytes, None, now, out)?,
        CookieInput::Header(cookies) => {
            if cookies.is_empty() {
                bail!("the header holds no cookie");
            }
            let slashed = cookies.magic_quoted();
            for (i, (key, value)) in cookies.iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                let name = key.to_string();
                writeln!(out, "cookie:      {name}")?;
                let kind = CookieKind::of(&name);
                writeln!(out, "kind:        {}", kind.describe())?;
                let Some(bytes) = value.as_bytes() else {
                    writeln!(out, "value:       an array (PHP builds one from `name[key]=`)")?;
                    continue;
                };
                let auth_like = matches!(kind, CookieKind::Auth(_) | CookieKind::Unknown)
                    && bytes.contains(&b'|');
                if auth_like {
                    describe_value(bytes, kind.scheme(), now, out)?;
                    if slashed.bytes(&name) != Some(bytes) {
                        writeln!(
                            out,
                            "note:        WordPress adds backslashes to ' \" \\ and NUL \
                             (wp_magic_quotes): this cookie cannot authenticate from a request"
                        )?;
                    }
                } else {
                    // Other cookies may be secrets of their own (PHP session ids): no value.
                    writeln!(out, "value:       {} bytes (not shown)", bytes.len())?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn verify(args: &VerifyArgs, global: &GlobalArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let loaded = global.load()?;
    let version = version(&loaded)?;
    let salts = loaded.settings.salts_from_constants(version)?;
    let now = now_or_clock(args.now)?;
    let scheme = Scheme::from(args.scheme);
    let value = match CookieInput::read(&args.input) {
        CookieInput::Value(bytes) => bytes,
        CookieInput::Header(cookies) => pick_cookie(&cookies.magic_quoted(), scheme)?,
    };
    let kind = RequestKind { post: args.post, ajax: args.ajax };

    let Ok(text) = std::str::from_utf8(&value) else {
        return invalid(out, CookieError::Malformed, "the value is not UTF-8");
    };
    let cookie = match AuthCookie::parse(text) {
        Ok(cookie) => cookie,
        Err(e) => return invalid(out, e, "WordPress needs exactly four |-separated fields"),
    };
    if let Err(e) = cookie.check_expiry(now, kind, version) {
        let when = describe_time(cookie.expiration(), now);
        return invalid(out, e, &format!("expiration {when}"));
    }
    if let Err(e) = cookie.verify_hmac(&salts, scheme, &args.user_pass_hash, version) {
        let hint = "wrong scheme, other salts, another password hash (a password change or \
                    the 6.8 rehash), or a changed cookie";
        return invalid(out, e, hint);
    }
    writeln!(out, "valid:       {scheme} cookie of {:?} (WordPress {version})", cookie.username())?;
    writeln!(out, "expiration:  {}", describe_time(cookie.expiration(), now))?;
    if cookie.in_grace_period(now) {
        writeln!(out, "grace:       inside the POST/AJAX grace hour (login_grace_period)")?;
    }
    writeln!(out, "verifier:    {}", cookie.verifier())?;
    writeln!(out, "session:     not checked (no session store here; look up the verifier)")?;
    Ok(verdict(true))
}

fn mint(args: &MintArgs, global: &GlobalArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let loaded = global.load()?;
    let version = version(&loaded)?;
    let salts = loaded.settings.salts_from_constants(version)?;
    let now = now_or_clock(args.now)?;
    let scheme = Scheme::from(args.scheme);
    let expiration = match args.expiration {
        Some(e) => e,
        None if args.remember => now.saturating_add(REMEMBER_LIFETIME),
        None => now.saturating_add(SESSION_LIFETIME),
    };
    let token = match &args.token {
        Some(t) if t.contains('|') => bail!("a token containing '|' makes a malformed cookie"),
        Some(t) => SessionToken::new(t.clone()),
        None => SessionToken::generate(&mut rand::rng()),
    };
    if args.login.contains('|') {
        eprintln!("warning: a login containing '|' can never authenticate (malformed cookie)");
    }

    let value = auth_cookie::generate(
        &salts,
        scheme,
        &args.login,
        &args.user_pass_hash,
        expiration,
        token.expose(),
        version,
    );
    if let Some(name) = cookie_name(&loaded.settings, scheme) {
        writeln!(out, "name:        {name}")?;
    }
    writeln!(out, "value:       {value}")?;
    writeln!(out, "wire:        {}", raw_url_encode(value.as_bytes()))?;
    writeln!(out, "scheme:      {scheme} (WordPress {version})")?;
    writeln!(out, "expiration:  {}", describe_time(expiration, now))?;
    if args.remember {
        let expire = expiration.saturating_add(GRACE_EXTENSION);
        writeln!(out, "expires:     browser keeps it until {}", utc_date(expire))?;
    }
    writeln!(out, "verifier:    {}", token.verifier())?;
    if args.token.is_none() {
        eprintln!(
            "note: a new session token was made; WordPress accepts the cookie only once a \
             session is stored under the verifier above"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints the failure and gives exit status 1.
fn invalid(out: &mut dyn Write, error: CookieError, detail: &str) -> Result<ExitCode> {
    writeln!(out, "invalid:     {} ({})", error.code(), error.hook())?;
    writeln!(out, "detail:      {detail}")?;
    Ok(verdict(false))
}

/// What the command line holds: one cookie value, or a set of named cookies.
enum CookieInput {
    /// A value: raw, or percent-decoded when it was encoded.
    Value(Vec<u8>),
    /// `Cookie: a=b; c=d`, or `name=value`, as PHP parses it.
    Header(RequestCookies),
}

impl CookieInput {
    /// A header when the text starts with `Cookie:` or has a `=` before any `|`; a value
    /// otherwise, percent-decoded when it has no `|` (as copied from a browser).
    fn read(text: &str) -> CookieInput {
        let text = text.trim();
        let header =
            text.get(..7).filter(|p| p.eq_ignore_ascii_case("cookie:")).and_then(|_| text.get(7..));
        if let Some(rest) = header {
            return CookieInput::Header(RequestCookies::parse(rest.trim_start()));
        }
        match (text.find('='), text.find('|')) {
            (Some(eq), pipe) if pipe.is_none_or(|p| eq < p) => {
                CookieInput::Header(RequestCookies::parse(text))
            }
            (_, Some(_)) => CookieInput::Value(text.as_bytes().to_vec()),
            (_, None) => CookieInput::Value(raw_url_decode(text.as_bytes())),
        }
    }
}

/// The one cookie of a header WordPress would validate with `scheme`.
fn pick_cookie(cookies: &RequestCookies, scheme: Scheme) -> Result<Vec<u8>> {
    let mut found = cookies.iter().filter(|(key, _)| {
        CookieKind::of(&key.to_string()).scheme() == Some(scheme) || cookies.len() == 1
    });
    let (Some((key, value)), None) = (found.next(), found.next()) else {
        bail!("the header must hold exactly one {scheme} cookie (or a single cookie)");
    };
    value
        .as_bytes()
        .map(<[u8]>::to_vec)
        .with_context(|| format!("cookie {key} is an array, not a value"))
}

/// Prints the fields of an auth cookie value.
fn describe_value(
    bytes: &[u8],
    scheme: Option<Scheme>,
    now: i64,
    out: &mut dyn Write,
) -> Result<()> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        writeln!(
            out,
            "value:       {} bytes, not UTF-8: not a cookie WordPress issued",
            bytes.len()
        )?;
        return Ok(());
    };
    let fields = text.split('|').count();
    let cookie = match AuthCookie::parse(text) {
        Ok(cookie) => cookie,
        Err(_) if fields == 3 => {
            writeln!(
                out,
                "format:      3 fields: a pre-4.0 cookie (login|expiration|hmac), malformed on 4.0+"
            )?;
            return Ok(());
        }
        Err(_) => {
            writeln!(out, "format:      {fields} fields: malformed (WordPress needs exactly 4)")?;
            return Ok(());
        }
    };
    if let Some(scheme) = scheme {
        writeln!(out, "scheme:      {scheme} (from the cookie name)")?;
    }
    writeln!(out, "login:       {:?}", cookie.username())?;
    let expiration = cookie.expiration_text();
    if expiration.parse::<i64>().is_ok() {
        writeln!(out, "expiration:  {}", describe_time(cookie.expiration(), now))?;
    } else {
        writeln!(
            out,
            "expiration:  {expiration:?} is not an integer (WordPress 6.8+ reads {}, earlier \
             releases compare the text)",
            cookie.expiration()
        )?;
    }
    let token = cookie.token();
    writeln!(out, "token:       {} characters{}", token.chars().count(), token_shape(token))?;
    writeln!(out, "verifier:    {}", Verifier::of(token))?;
    let hmac = cookie.hmac();
    let well_formed =
        hmac.len() == 64 && hmac.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let shape = if well_formed { "64 lowercase hex" } else { "not 64 lowercase hex: never valid" };
    writeln!(out, "hmac:        {}… ({shape})", hmac.get(..8).unwrap_or(hmac))?;
    Ok(())
}

fn token_shape(token: &str) -> &'static str {
    if token.len() == 43 && token.bytes().all(|b| b.is_ascii_alphanumeric()) {
        " (the shape WordPress makes)"
    } else {
        " (not the 43 alphanumerics WordPress makes)"
    }
}

/// What a cookie's name says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CookieKind {
    Auth(Scheme),
    Test,
    RecoveryMode,
    UserSettings,
    PostPassword,
    Legacy,
    Unknown,
}

impl CookieKind {
    fn of(name: &str) -> CookieKind {
        let starts = |p: &str| name.starts_with(p);
        if starts("wordpress_sec_") {
            CookieKind::Auth(Scheme::SecureAuth)
        } else if starts("wordpress_logged_in_") {
            CookieKind::Auth(Scheme::LoggedIn)
        } else if name == "wordpress_test_cookie" {
            CookieKind::Test
        } else if starts("wordpress_rec_") {
            CookieKind::RecoveryMode
        } else if starts("wordpressuser_") || starts("wordpresspass_") {
            CookieKind::Legacy
        } else if starts("wp-settings-") {
            CookieKind::UserSettings
        } else if starts("wp-postpass_") {
            CookieKind::PostPassword
        } else if starts("wordpress_") {
            CookieKind::Auth(Scheme::Auth)
        } else {
            CookieKind::Unknown
        }
    }

    fn scheme(self) -> Option<Scheme> {
        match self {
            CookieKind::Auth(s) => Some(s),
            _ => None,
        }
    }

    fn describe(self) -> String {
        match self {
            CookieKind::Auth(s) => format!("auth cookie, scheme {s}"),
            CookieKind::Test => "wp-login.php test cookie".into(),
            CookieKind::RecoveryMode => "recovery mode cookie".into(),
            CookieKind::UserSettings => "wp-settings user settings cookie".into(),
            CookieKind::PostPassword => "post password cookie".into(),
            CookieKind::Legacy => "legacy cookie (only ever cleared)".into(),
            CookieKind::Unknown => "not a WordPress cookie name".into(),
        }
    }
}

/// `wordpress_…_{COOKIEHASH}` when the settings say what COOKIEHASH is.
fn cookie_name(settings: &Settings, scheme: Scheme) -> Option<String> {
    let hash = match (&settings.cookiehash, &settings.siteurl) {
        (Some(hash), _) => CookieHash::new(hash.clone()),
        (None, Some(siteurl)) => CookieHash::from_wp_siteurl(siteurl),
        (None, None) => return None,
    };
    let prefix = match scheme {
        Scheme::Auth => "wordpress_",
        Scheme::SecureAuth => "wordpress_sec_",
        Scheme::LoggedIn => "wordpress_logged_in_",
    };
    Some(format!("{prefix}{hash}"))
}

/// `1772554987 (2026-03-03 16:23:07 UTC, in 2d 0h)`.
fn describe_time(t: i64, now: i64) -> String {
    let delta = t.saturating_sub(now);
    let relative = match delta {
        0 => "now".to_owned(),
        d if d > 0 => format!("in {}", duration(d)),
        d => format!("{} ago", duration(d.saturating_neg())),
    };
    format!("{t} ({}, {relative})", utc_date(t))
}

fn duration(seconds: i64) -> String {
    let (d, h, m, s) =
        (seconds / 86_400, seconds % 86_400 / 3600, seconds % 3600 / 60, seconds % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m {s}s"),
        (0, _, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    }
}

/// A Unix time as `YYYY-MM-DD HH:MM:SS UTC` (proleptic Gregorian).
fn utc_date(t: i64) -> String {
    // Years beyond ±1,000,000 are not dates anyone means.
    if !(-31_556_952_000_000..=31_556_952_000_000).contains(&t) {
        return "out of range".to_owned();
    }
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_calendar_dates() {
        assert_eq!(utc_date(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc_date(1_772_554_987), "2026-03-03 16:23:07 UTC");
        assert_eq!(utc_date(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc_date(-1), "1969-12-31 23:59:59 UTC");
        assert_eq!(utc_date(i64::MAX), "out of range");
    }

    #[test]
    fn input_is_a_header_or_a_value() {
        let is_header = |s: &str| matches!(CookieInput::read(s), CookieInput::Header(_));
        assert!(is_header("Cookie: a=b"));
        assert!(is_header("wordpress_logged_in_x=a%7C1%7Ct%7Ch"));
        assert!(!is_header("a|1|t|h"));
        assert!(is_header("name=b|1|t|h"));
        assert!(!is_header("a|1=x|t|h"));
        match CookieInput::read("bob%20smith%7C1%7Ct%7Ch") {
            CookieInput::Value(v) => assert_eq!(v, b"bob smith|1|t|h"),
            CookieInput::Header(_) => panic!("a value"),
        }
    }

    #[test]
    fn names_say_the_scheme() {
        assert_eq!(CookieKind::of("wordpress_sec_abc").scheme(), Some(Scheme::SecureAuth));
        assert_eq!(CookieKind::of("wordpress_logged_in_abc").scheme(), Some(Scheme::LoggedIn));
        assert_eq!(CookieKind::of("wordpress_abc").scheme(), Some(Scheme::Auth));
        assert_eq!(CookieKind::of("wordpress_test_cookie"), CookieKind::Test);
        assert_eq!(CookieKind::of("wp-settings-time-1"), CookieKind::UserSettings);
        assert_eq!(CookieKind::of("PHPSESSID"), CookieKind::Unknown);
    }
}
