//! Per-user UI settings shared between the browser and WordPress: the `wp-settings-{uid}` and
//! `wp-settings-time-{uid}` cookies and the `user-settings` / `user-settings-time` user options
//! (wp-includes/option.php).
//!
//! The settings are a query string (`editor=html&mfold=o`) written by JavaScript
//! (`setUserSetting`) into the cookie and by PHP into the option; whichever is newer wins:
//!
//! * [`UserSettings::from_request`] is `get_all_user_settings()`: the cookie, when present
//!   (even empty), stripped to `[A-Za-z0-9=&_-]` and parsed with PHP `parse_str()` only if an
//!   `=` occurs after the first byte; otherwise the stored option;
//! * [`encode_user_settings`] is the string `wp_set_all_user_settings()` stores;
//! * [`sync_user_settings`] is `wp_user_settings()`, run on wp-admin page loads: store the
//!   cookie when it is newer, or send both cookies from the option.

use crate::WpVersion;
use crate::cookies::input::{InputArray, InputKey, InputValue, parse_str};
use crate::cookies::{
    CookieConfig, RequestCookies, SetCookie, YEAR_IN_SECONDS, loose_eq, settings_cookie_name,
    settings_time_cookie_name, string_greater_than_int,
};

/// A user's UI settings as `get_all_user_settings()` returns them (a PHP array).
///
/// # Examples
/// ```
/// use wpgate_core::user_settings::UserSettings;
/// let s = UserSettings::from_request(Some(b"editor=html&f.g=3&b=x<y>z"), Some("editor=tinymce"));
/// assert_eq!(s.str("editor"), Some("html"));
/// assert_eq!(s.str("fg"), Some("3"));
/// assert_eq!(s.str("b"), Some("xyz"));
/// assert_eq!(s.str_or("missing", "DEFAULT"), "DEFAULT");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserSettings(InputArray);

impl UserSettings {
    /// `get_all_user_settings()` for a logged-in user: `cookie` is `$_COOKIE['wp-settings-{uid}']`
    /// as WordPress sees it (magic-quoted; `None` when not sent), `stored` the `user-settings`
    /// option (`None` when absent).
    #[doc(alias = "get_all_user_settings")]
    pub fn from_request(cookie: Option<&[u8]>, stored: Option<&str>) -> Self {
        match cookie {
            Some(cookie) => {
                let kept: Vec<u8> = cookie
                    .iter()
                    .copied()
                    .filter(|&b| {
                        b.is_ascii_alphanumeric() || matches!(b, b'=' | b'&' | b'_' | b'-')
                    })
                    .collect();
                // strpos($cookie, '=') is falsy at position 0 too.
                match kept.iter().position(|&b| b == b'=') {
                    Some(pos) if pos > 0 => UserSettings(parse_str(&kept)),
                    _ => UserSettings::default(),
                }
            }
            // `$option && is_string($option)`: "" and "0" are falsy.
            None => match stored {
                Some(option) if !option.is_empty() && option != "0" => {
                    UserSettings(parse_str(option.as_bytes()))
                }
                _ => UserSettings::default(),
            },
        }
    }

    /// PHP `parse_str()` of a settings string, with no sanitising (what
    /// `wp_set_all_user_settings()` keeps in memory after storing).
    pub fn parse(query: &str) -> Self {
        UserSettings(parse_str(query.as_bytes()))
    }

    /// `$settings[name]`: a string, or an array when a stored option used `name[...]`.
    #[doc(alias = "get_user_setting")]
    pub fn get(&self, name: &str) -> Option<&InputValue> {
        self.0.get(name)
    }

    /// The setting when it is a UTF-8 string.
    pub fn str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(InputValue::as_str)
    }

    /// `get_user_setting(name, default)` for string settings.
    pub fn str_or<'a>(&'a self, name: &str, default: &'a str) -> &'a str {
        self.str(name).unwrap_or(default)
    }

    /// The settings in PHP's order.
    pub fn iter(&self) -> impl Iterator<Item = (&InputKey, &InputValue)> {
        self.0.iter()
    }

    /// Number of settings.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The underlying PHP array.
    pub fn as_array(&self) -> &InputArray {
        &self.0
    }
}

/// The `user-settings` option `wp_set_all_user_settings()` stores for `settings` (its caller
/// also stores `user-settings-time` = now): names and values reduced to `[A-Za-z0-9_-]`,
/// settings whose reduced name is empty or `"0"` (PHP `empty()`) dropped, joined as
/// `name=value&…`.
///
/// # Examples
/// ```
/// use wpgate_core::user_settings::encode_user_settings;
/// let s = encode_user_settings([("editor", "html"), ("bad name!", "v@l ue"), ("!!!", "x")]);
/// assert_eq!(s, "editor=html&badname=vlue");
/// ```
#[doc(alias = "wp_set_all_user_settings")]
pub fn encode_user_settings<K, V>(settings: impl IntoIterator<Item = (K, V)>) -> String
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let keep = |s: &str| -> String {
        s.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-')).collect()
    };
    let mut out = String::new();
    for (name, value) in settings {
        let name = keep(name.as_ref());
        if name.is_empty() || name == "0" {
            continue;
        }
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(&name);
        out.push('=');
        out.push_str(&keep(value.as_ref()));
    }
    out
}

/// What `wp_user_settings()` does on a wp-admin page load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserSettingsSync {
    /// The cookie equals the stored option (or nobody is logged in): nothing to do.
    Unchanged,
    /// The browser's settings are newer: store `settings` as the `user-settings` option and
    /// `time` (now − 5) as `user-settings-time`; no cookie is sent.
    Store {
        /// The sanitised cookie (`[A-Za-z0-9=&_]` only: `-` is dropped here).
        settings: String,
        /// `now - 5`.
        time: i64,
    },
    /// The stored settings are newer or the browser has none: send these two cookies
    /// (`wp-settings-{uid}` from the option, `wp-settings-time-{uid}` = now).
    Send {
        /// The two `Set-Cookie`s, in WordPress's order.
        cookies: Vec<SetCookie>,
    },
}

/// `wp_user_settings()`: reconcile the settings cookies with the stored options.
///
/// WordPress runs it only in wp-admin (not AJAX) for a user who is a member of the site; the
/// caller checks that. `stored_settings` is `(string) get_user_option('user-settings')`,
/// `stored_time` is `(int) get_user_option('user-settings-time')`, `cookies` the request's
/// cookies as WordPress sees them ([`RequestCookies::magic_quoted`]: the sanitising drops the
/// added backslashes, but a NUL byte has become `\0` and keeps its `0`).
///
/// The cookies sent are at `SITECOOKIEPATH` with no domain, a one-year lifetime, not HttpOnly
/// (JavaScript writes them too), and secure when `admin_url()` is https (4.4+; `site_url()`
/// before).
///
/// An array-valued `wp-settings-{uid}` cookie (`wp-settings-2[x]=…`), on which PHP would store
/// a serialized array, is treated as absent.
#[doc(alias = "wp_user_settings")]
pub fn sync_user_settings(
    config: &CookieConfig,
    user_id: u64,
    stored_settings: &str,
    stored_time: i64,
    cookies: &RequestCookies,
    request_https: bool,
    now: i64,
) -> UserSettingsSync {
    if user_id == 0 {
        return UserSettingsSync::Unchanged;
    }
    let name = settings_cookie_name(user_id);
    let time_name = settings_time_cookie_name(user_id);
    if let Some(cookie) = cookies.bytes(&name) {
        let cookie: String = cookie
            .iter()
            .filter(|b| b.is_ascii_alphanumeric() || matches!(b, b'=' | b'&' | b'_'))
            .map(|&b| char::from(b))
            .collect();
        if loose_eq(cookie.as_bytes(), stored_settings.as_bytes()) {
            return UserSettingsSync::Unchanged;
        }
        let newer = match cookies.get(&time_name) {
            None => 0 > stored_time,
            Some(InputValue::Str(time)) => {
                let digits: Vec<u8> = time.iter().copied().filter(u8::is_ascii_digit).collect();
                string_greater_than_int(&digits, stored_time)
            }
            // PHP 8: an array is greater than any integer.
            Some(InputValue::Array(_)) => true,
        };
        if newer {
            return UserSettingsSync::Store { settings: cookie, time: now.saturating_sub(5) };
        }
    }

    let secure = if config.version().at_least(WpVersion::V4_4) {
        config.admin_is_https(request_https)
    } else {
        config.site_url_is_https(request_https)
    };
    let cookie = |name: String, value: String| {
        SetCookie::new(name, value)
            .with_expires(Some(now.saturating_add(YEAR_IN_SECONDS)))
            .with_path(config.site_cookie_path())
            .with_secure(secure)
    };
    UserSettingsSync::Send {
        cookies: vec![cookie(name, stored_settings.to_owned()), cookie(time_name, now.to_string())],
    }
}

/// The cookie `delete_all_user_settings()` sends (the caller also empties the option): the
/// settings cookie set to `" "`, expired a year ago, at `SITECOOKIEPATH`, no domain or flags.
#[doc(alias = "delete_all_user_settings")]
pub fn delete_user_settings_cookie(config: &CookieConfig, user_id: u64, now: i64) -> SetCookie {
    SetCookie::new(settings_cookie_name(user_id), " ")
        .with_expires(Some(now.saturating_sub(YEAR_IN_SECONDS)))
        .with_path(config.site_cookie_path())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cookies::CookieSettings;

    const NOW: i64 = 1_772_382_187;

    fn config() -> CookieConfig {
        CookieConfig::new(&CookieSettings::new(
            "https://example.com/wordpress",
            "https://example.com",
        ))
    }

    fn sync(stored: &str, stored_time: i64, header: &str) -> UserSettingsSync {
        let cookies = RequestCookies::parse(header);
        sync_user_settings(&config(), 2, stored, stored_time, &cookies, false, NOW)
    }

    #[test]
    fn cookie_wins_over_option_even_when_empty() {
        let s = UserSettings::from_request(Some(b""), Some("mfold=o"));
        assert!(s.is_empty());
        let s = UserSettings::from_request(None, Some("mfold=o&editor=tinymce"));
        assert_eq!(s.str("mfold"), Some("o"));
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn cookie_needs_an_equals_sign_after_the_first_byte() {
        assert!(UserSettings::from_request(Some(b"noequals"), Some("a=b")).is_empty());
        assert!(UserSettings::from_request(Some(b"=x&editor=html"), None).is_empty());
        // Sanitising can move the '=' into first place.
        assert!(UserSettings::from_request(Some(b"!=x&a=b"), None).is_empty());
    }

    #[test]
    fn falsy_option_is_ignored() {
        assert!(UserSettings::from_request(None, Some("0")).is_empty());
        assert!(UserSettings::from_request(None, None).is_empty());
    }

    #[test]
    fn stored_option_is_parsed_without_sanitising() {
        let s = UserSettings::from_request(None, Some("a+b=c%20d&list[]=1&list[]=2"));
        assert_eq!(s.str("a_b"), Some("c d"));
        let list = s.get("list").unwrap().as_array().unwrap();
        assert_eq!(list.len(), 2);
    }

    #[test]
    fn encoding_drops_empty_and_zero_names() {
        let s = encode_user_settings([("0", "a"), ("!0", "b"), ("", "c"), ("k", "v!"), ("5", "6")]);
        assert_eq!(s, "k=v&5=6");
        assert_eq!(encode_user_settings(Vec::<(&str, &str)>::new()), "");
    }

    #[test]
    fn equal_cookie_changes_nothing() {
        let header = "wp-settings-2=editor%3Dhtml; wp-settings-time-2=1";
        assert_eq!(sync("editor=html", 5, header), UserSettingsSync::Unchanged);
        // Loose comparison: numeric strings compare as numbers.
        assert_eq!(sync("10", 5, "wp-settings-2=1e1"), UserSettingsSync::Unchanged);
    }

    #[test]
    fn newer_cookie_is_stored_with_dash_removed() {
        let header = "wp-settings-2=a-b%3D1; wp-settings-time-2=1772382177";
        assert_eq!(
            sync("a-b=1", 1_772_381_187, header),
            UserSettingsSync::Store { settings: "ab=1".into(), time: NOW - 5 }
        );
    }

    #[test]
    fn older_or_missing_cookie_is_replaced_from_the_option() {
        for header in ["", "wp-settings-2=editor%3Dx; wp-settings-time-2=12abc3"] {
            let UserSettingsSync::Send { cookies } = sync("editor=html", 1_772_381_187, header)
            else {
                panic!("expected cookies for {header:?}");
            };
            let lines: Vec<String> = cookies.iter().map(|c| c.header_value(NOW).unwrap()).collect();
            assert_eq!(
                lines,
                [
                    "wp-settings-2=editor%3Dhtml; expires=Mon, 01 Mar 2027 16:23:07 GMT; \
                     Max-Age=31536000; path=/wordpress/; secure",
                    "wp-settings-time-2=1772382187; expires=Mon, 01 Mar 2027 16:23:07 GMT; \
                     Max-Age=31536000; path=/wordpress/; secure",
                ]
            );
        }
    }

    #[test]
    fn empty_stored_settings_are_sent_as_a_deleted_cookie() {
        let UserSettingsSync::Send { cookies } = sync("", 0, "") else {
            panic!("expected cookies");
        };
        assert!(cookies[0].header_value(NOW).unwrap().starts_with("wp-settings-2=deleted;"));
    }

    #[test]
    fn missing_time_cookie_only_wins_against_a_negative_time() {
        assert!(matches!(sync("a=1", -1, "wp-settings-2=a%3D2"), UserSettingsSync::Store { .. }));
        assert!(matches!(sync("a=1", 0, "wp-settings-2=a%3D2"), UserSettingsSync::Send { .. }));
    }

    #[test]
    fn secure_follows_admin_url_from_4_4_and_site_url_before() {
        let mut s = CookieSettings::new("https://example.com", "https://example.com");
        s.version = WpVersion::new(4, 3, 0);
        let old = CookieConfig::new(&s);
        let empty = RequestCookies::default();
        let UserSettingsSync::Send { cookies } =
            sync_user_settings(&old, 1, "a=1", 0, &empty, false, NOW)
        else {
            panic!("expected cookies");
        };
        assert!(!cookies[0].is_secure());
        assert!(!cookies[0].is_http_only());
        assert_eq!(cookies[0].domain(), "");
    }

    #[test]
    fn a_nul_byte_survives_magic_quotes_as_a_zero() {
        let cookies = RequestCookies::parse("wp-settings-2=a%3D1%00; wp-settings-time-2=9%009")
            .magic_quoted();
        assert_eq!(
            sync_user_settings(&config(), 2, "x=1", 908, &cookies, false, NOW),
            UserSettingsSync::Store { settings: "a=10".into(), time: NOW - 5 }
        );
    }

    #[test]
    fn nobody_logged_in_does_nothing() {
        let empty = RequestCookies::default();
        assert_eq!(
            sync_user_settings(&config(), 0, "a=1", 0, &empty, false, NOW),
            UserSettingsSync::Unchanged
        );
    }

    #[test]
    fn deleting_settings_expires_the_cookie() {
        let c = delete_user_settings_cookie(&config(), 2, NOW);
        assert_eq!(
            c.header_value(NOW).unwrap(),
            "wp-settings-2=%20; expires=Sat, 01 Mar 2025 16:23:07 GMT; Max-Age=0; path=/wordpress/"
        );
    }
}
