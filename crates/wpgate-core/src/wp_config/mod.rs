//! Reading a site's `wp-config.php` without running PHP.
//!
//! WordPress keeps its configuration in `wp-config.php` as PHP code: `define( 'NAME', value );`
//! calls, the odd `const NAME = value;`, and the `$table_prefix` variable. A service that
//! shares logins with a WordPress site needs the same keys and salts (`wp_salt()`), database
//! settings and cookie constants (`wp_cookie_constants()`), so [`WpConfig::parse`] reads them
//! from the file's text. It never evaluates PHP: a small lexer (PHP's own token rules for tags,
//! comments, strings, heredocs and numbers) and a statement scanner recognise definitions and
//! fold literal values; anything else is kept as source text and reported only when someone asks
//! for that constant (then the error names the line and the `WPGATE_…` variable to set instead).
//!
//! # The model
//! * Constants are case-sensitive (PHP 8). The **first** definition wins, as in PHP, which warns
//!   `Constant X already defined` and keeps the first value; later ones are kept in
//!   [`WpConfig::shadowed`] for diagnostics.
//! * A definition inside a block we cannot evaluate (`if`, `else`, `switch`, `? :`, `||`, `or`)
//!   is still recorded and marked [`Definition::is_conditional`]. It counts like any other: if
//!   it is the first definition of its name, it is the value. This is right for the common
//!   `if ( ! defined( 'ABSPATH' ) ) { define( 'ABSPATH', … ); }` guards, and it is the only
//!   guess that never invents a value; callers that must be sure can check the flag.
//! * Definitions inside function and class bodies are ignored: including the file does not run
//!   them. So are `Config::define()` calls (Bedrock), which are remembered only to explain a
//!   missing constant.
//! * Values fold from literals (`'…'`, `"…"`, heredoc/nowdoc, numbers, `true`, `false`, `null`
//!   in any case), `.` concatenation, unary `-`/`+`, parentheses, and constants defined earlier
//!   in the file. Everything else (`getenv()`, `$_SERVER[…]`, `__DIR__ . '/x'`, variables,
//!   arithmetic) is a [`Value::NonLiteral`] holding its source text.
//! * `$table_prefix`: a later assignment replaces an earlier one, but a conditional one does not
//!   replace one that surely ran (see [`WpConfig::table_prefix`]).
//! * Strings are bytes, as in PHP (`"\xff"` is legal); getters that return `&str` reject
//!   values that are not UTF-8. Non-string literals are cast as PHP casts them when the
//!   constant is used as a string: `0` → `"0"`, `true` → `"1"`, `false`/`null` → `""`,
//!   `1.0E+25` for a large float.
//!
//! Which constants matter and how WordPress uses them: `shared/spec/wordpress-auth.md` §1
//! (keys and salts, `wp_salt()` in wp-includes/pluggable.php) and §2 (cookie constants,
//! `wp_cookie_constants()` in wp-includes/default-constants.php); database settings are read by
//! `require_wp_db()` and `wpdb::db_connect()` (wp-includes/class-wpdb.php).
//!
//! # Examples
//! ```
//! use secrecy::ExposeSecret;
//! use wpgate_core::wp_config::{DbHost, WpConfig};
//!
//! let config = WpConfig::parse(r#"<?php
//! define( 'DB_NAME', 'wordpress' );
//! define( 'DB_HOST', 'localhost:/run/mysqld/mysqld.sock' );
//! define( 'DB_PASSWORD', getenv( 'DB_PASS' ) );
//! define( 'AUTH_KEY', 'k$y' . "\x21" );
//! $table_prefix = 'wp_';
//! "#).unwrap();
//!
//! assert_eq!(config.db_name().unwrap(), "wordpress");
//! assert_eq!(config.db_host().unwrap(), DbHost::Socket("/run/mysqld/mysqld.sock".into()));
//! assert_eq!(config.table_prefix().unwrap(), "wp_");
//! assert_eq!(config.salts().unwrap().auth_key.unwrap().expose_secret(), "k$y!");
//! assert_eq!(
//!     config.db_password().unwrap_err().to_string(),
//!     "wp-config.php:4: DB_PASSWORD is not a literal (getenv( 'DB_PASS' )); \
//!      set WPGATE_DB_PASSWORD instead"
//! );
//! ```

mod db_host;
mod lexer;
mod parser;

use std::borrow::Cow;
use std::fmt;

use secrecy::SecretString;

pub use self::db_host::{DbHost, DbHostError};
use self::parser::{LineIndex, Parsed};

/// The definitions read from one `wp-config.php`: parse once, then ask cheaply.
///
/// `Debug` masks the values of secret-looking constants ([`Definition::is_secret`]).
#[derive(Clone)]
pub struct WpConfig {
    file: String,
    parsed: Parsed,
}

/// One `define()`, `const` or `$table_prefix` assignment.
#[derive(Clone)]
pub struct Definition {
    name: String,
    value: Value,
    line: usize,
    column: usize,
    conditional: bool,
    /// The PHP string form of a non-string literal (empty for strings and non-literals).
    cast: Vec<u8>,
    /// A non-literal's source as shown in errors and `Debug` (masked for secret names).
    shown: String,
}

/// The value of a definition.
///
/// `Debug` shows the value itself; [`Definition`]'s and [`WpConfig`]'s `Debug` mask secrets.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// A string literal (bytes: PHP strings need not be UTF-8).
    String(Vec<u8>),
    /// An integer literal (decimal, hex, octal or binary).
    Int(i64),
    /// A float literal, or an integer literal too large for `int` (as in PHP).
    Float(f64),
    /// `true` or `false`, any case.
    Bool(bool),
    /// `null`, any case.
    Null,
    /// Anything that needs PHP to evaluate: the expression's source text, as written.
    NonLiteral {
        /// The expression as it appears in the file.
        source: String,
    },
}

/// A `require`/`include` statement: definitions may come from the file it loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Include {
    line: usize,
    source: String,
}

/// The ten keys and salts `wp_salt()` reads, each `None` when the file does not define it.
///
/// Values are the constants' PHP string forms; `wp_salt()` itself decides which to use (it
/// skips empty, `"0"`, duplicated and placeholder values; spec §1.2).
#[derive(Debug, Default, Clone)]
pub struct Salts {
    /// `AUTH_KEY`.
    pub auth_key: Option<SecretString>,
    /// `SECURE_AUTH_KEY`.
    pub secure_auth_key: Option<SecretString>,
    /// `LOGGED_IN_KEY`.
    pub logged_in_key: Option<SecretString>,
    /// `NONCE_KEY`.
    pub nonce_key: Option<SecretString>,
    /// `AUTH_SALT`.
    pub auth_salt: Option<SecretString>,
    /// `SECURE_AUTH_SALT`.
    pub secure_auth_salt: Option<SecretString>,
    /// `LOGGED_IN_SALT`.
    pub logged_in_salt: Option<SecretString>,
    /// `NONCE_SALT`.
    pub nonce_salt: Option<SecretString>,
    /// Legacy `SECRET_KEY` (pre-2.6), still read by `wp_salt()`.
    pub secret_key: Option<SecretString>,
    /// Legacy `SECRET_SALT`, still read by `wp_salt()` for the `auth` scheme.
    pub secret_salt: Option<SecretString>,
}

/// The cookie and site constants `wp_cookie_constants()` and `ms_cookie_constants()` honour
/// when `wp-config.php` predefines them; `None` means "not defined, WordPress computes it".
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CookieConstants {
    /// `COOKIE_DOMAIN`; `false` reads as `""` (both mean: no Domain attribute).
    pub cookie_domain: Option<String>,
    /// `COOKIEPATH`.
    pub cookiepath: Option<String>,
    /// `SITECOOKIEPATH`.
    pub sitecookiepath: Option<String>,
    /// `ADMIN_COOKIE_PATH`.
    pub admin_cookie_path: Option<String>,
    /// `PLUGINS_COOKIE_PATH`.
    pub plugins_cookie_path: Option<String>,
    /// `COOKIEHASH`.
    pub cookiehash: Option<String>,
    /// `WP_SITEURL` (overrides the `siteurl` option; `COOKIEHASH` hashes it).
    pub wp_siteurl: Option<String>,
    /// `WP_HOME` (overrides the `home` option).
    pub wp_home: Option<String>,
    /// `WP_CONTENT_URL` (the default base of `WP_PLUGIN_URL`).
    pub wp_content_url: Option<String>,
    /// `WP_PLUGIN_URL` (`PLUGINS_COOKIE_PATH` is its path).
    pub wp_plugin_url: Option<String>,
    /// `FORCE_SSL_ADMIN`, PHP truthiness.
    pub force_ssl_admin: Option<bool>,
    /// `MULTISITE`, PHP truthiness.
    pub multisite: Option<bool>,
    /// `SUBDOMAIN_INSTALL`, PHP truthiness.
    pub subdomain_install: Option<bool>,
    /// `DOMAIN_CURRENT_SITE` (multisite network domain).
    pub domain_current_site: Option<String>,
    /// `PATH_CURRENT_SITE` (multisite network path).
    pub path_current_site: Option<String>,
}

/// Why a `wp-config.php` could not be read, or a value asked of it cannot be given.
///
/// Every variant names the file; positions are 1-based lines (and columns in characters).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum WpConfigError {
    /// The file is not valid PHP at this point (PHP would refuse to compile it).
    #[error("{file}:{line}:{column}: {kind}")]
    Syntax {
        /// The file name used in messages.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
        /// What is wrong.
        kind: SyntaxErrorKind,
    },
    /// The constant is defined by an expression only PHP can evaluate.
    #[error("{file}:{line}: {name} is not a literal ({source_text}); set {env_var} instead")]
    NotLiteral {
        /// The file name used in messages.
        file: String,
        /// 1-based line of the definition.
        line: usize,
        /// The constant (or `$table_prefix`).
        name: String,
        /// The expression, on one line (literals masked for secret names).
        source_text: String,
        /// The environment variable wpgate reads instead.
        env_var: String,
    },
    /// A constant WordPress requires is not defined in this file.
    #[error("{file}: no define() found for {name}{hint}; set {env_var}")]
    Missing {
        /// The file name used in messages.
        file: String,
        /// The constant.
        name: String,
        /// Why it may be missing (empty, or starting with a space).
        hint: String,
        /// The environment variable wpgate reads instead.
        env_var: String,
    },
    /// `$table_prefix` is never assigned.
    #[error(
        "{file}: $table_prefix is not assigned{hint}; WordPress requires it (without one it \
         warns and uses no prefix at all); set WPGATE_TABLE_PREFIX"
    )]
    MissingTablePrefix {
        /// The file name used in messages.
        file: String,
        /// Why it may be missing (empty, or starting with a space).
        hint: String,
    },
    /// `$table_prefix` has characters WordPress refuses (`wpdb::set_prefix()`).
    #[error(
        "{file}:{line}: $table_prefix {prefix:?} may only contain letters, digits and \
         underscores (WordPress refuses to start with it)"
    )]
    InvalidTablePrefix {
        /// The file name used in messages.
        file: String,
        /// 1-based line of the assignment.
        line: usize,
        /// The value (lossy UTF-8).
        prefix: String,
    },
    /// The constant's value is not UTF-8 (legal in PHP, e.g. `"\xff"`) where text is needed.
    #[error("{file}:{line}: {name} is not valid UTF-8")]
    NotUtf8 {
        /// The file name used in messages.
        file: String,
        /// 1-based line of the definition.
        line: usize,
        /// The constant.
        name: String,
    },
    /// `DB_HOST` cannot be used.
    #[error("{file}:{line}: DB_HOST {value:?}: {source}")]
    InvalidDbHost {
        /// The file name used in messages.
        file: String,
        /// 1-based line of the definition.
        line: usize,
        /// The `DB_HOST` value.
        value: String,
        /// What is wrong with it.
        source: DbHostError,
    },
}

/// The syntax errors [`WpConfigError::Syntax`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SyntaxErrorKind {
    /// A quoted string (or `{$…}` inside one) runs to the end of the file.
    #[error("unterminated string")]
    UnterminatedString,
    /// A heredoc or nowdoc has no closing label.
    #[error("unterminated heredoc")]
    UnterminatedHeredoc,
    /// A heredoc line is indented less than its closing label, or mixes tabs and spaces.
    #[error("invalid heredoc body indentation")]
    InvalidHeredocIndentation,
    /// `\u{…}` without hex digits, without `}`, or above U+10FFFF.
    #[error("invalid \\u{{…}} escape")]
    InvalidUnicodeEscape,
    /// An octal literal with an 8 or 9 (`089`).
    #[error("invalid numeric literal")]
    InvalidNumber,
    /// `define(` with no matching `)`.
    #[error("define( is not closed")]
    UnclosedCall,
    /// `define()` without a name or a value (PHP throws `ArgumentCountError`).
    #[error("define() needs a name and a value")]
    MissingDefineArgument,
    /// `{$…}` interpolations nested too deeply to follow.
    #[error("string interpolation nested too deeply")]
    NestingTooDeep,
}

/// The names of the ten key and salt constants, in [`Salts`] field order.
pub const SALT_CONSTANTS: [&str; 10] = [
    "AUTH_KEY",
    "SECURE_AUTH_KEY",
    "LOGGED_IN_KEY",
    "NONCE_KEY",
    "AUTH_SALT",
    "SECURE_AUTH_SALT",
    "LOGGED_IN_SALT",
    "NONCE_SALT",
    "SECRET_KEY",
    "SECRET_SALT",
];

impl WpConfig {
    /// Reads the definitions from the text of a `wp-config.php` (messages call it
    /// `wp-config.php`; see [`WpConfig::parse_named`]).
    ///
    /// A leading UTF-8 byte-order mark, Windows line endings and text outside `<?php … ?>` are
    /// fine. Code that is not a definition is skipped.
    ///
    /// # Errors
    /// [`WpConfigError::Syntax`] where PHP itself would refuse to compile the file: an
    /// unterminated string or heredoc, a bad `\u{…}` escape or numeric literal, an unclosed
    /// `define(`, or `define()` without a value. Non-literal values are not errors here.
    ///
    /// # Examples
    /// ```
    /// use wpgate_core::wp_config::WpConfig;
    /// let config = WpConfig::parse("<?php DEFINE ( \"WP_DEBUG\" , FALSE ) ;").unwrap();
    /// assert_eq!(config.bool("WP_DEBUG").unwrap(), Some(false));
    /// assert!(WpConfig::parse("<?php define( 'X', 'open );").is_err());
    /// ```
    pub fn parse(src: &str) -> Result<WpConfig, WpConfigError> {
        WpConfig::parse_named("wp-config.php", src)
    }

    /// [`WpConfig::parse`], naming the file `file` in messages (for example
    /// `/etc/wordpress/config-example.org.php`).
    ///
    /// # Errors
    /// As [`WpConfig::parse`].
    pub fn parse_named(file: &str, src: &str) -> Result<WpConfig, WpConfigError> {
        let lines = LineIndex::new(src);
        let syntax = |offset: usize, kind: SyntaxErrorKind| {
            let (line, column) = lines.position(src, offset);
            WpConfigError::Syntax { file: file.to_owned(), line, column, kind }
        };
        let tokens = lexer::tokenize(src).map_err(|e| syntax(e.offset, e.kind))?;
        let parsed = parser::parse(src, &tokens, &lines).map_err(|e| syntax(e.offset, e.kind))?;
        Ok(WpConfig { file: file.to_owned(), parsed })
    }

    /// The file name used in messages.
    pub fn file_name(&self) -> &str {
        &self.file
    }

    /// The definition of a constant (case-sensitive, as in PHP 8), if the file has one.
    #[doc(alias = "defined")]
    pub fn constant(&self, name: &str) -> Option<&Definition> {
        let index = self.parsed.index.get(name)?;
        self.parsed.definitions.get(*index)
    }

    /// Every constant's first definition, in file order.
    pub fn constants(&self) -> impl Iterator<Item = &Definition> {
        self.parsed.definitions.iter()
    }

    /// Later definitions of already-defined constants, which PHP ignores (with a warning).
    pub fn shadowed(&self) -> &[Definition] {
        &self.parsed.shadowed
    }

    /// The `require`/`include` statements outside functions: the place to look when a
    /// constant is missing (Debian's `wp-config.php` loads `/etc/wordpress/config-*.php`).
    pub fn includes(&self) -> &[Include] {
        &self.parsed.includes
    }

    /// The `$table_prefix` assignment that counts, if any.
    pub fn table_prefix_definition(&self) -> Option<&Definition> {
        self.parsed.table_prefix.as_ref()
    }

    /// A constant's value as PHP would use it in a string context (`strval()`).
    ///
    /// # Errors
    /// [`WpConfigError::NotLiteral`] when the value needs PHP to evaluate.
    #[doc(alias = "strval")]
    pub fn bytes(&self, name: &str) -> Result<Option<&[u8]>, WpConfigError> {
        Ok(self.literal(name)?.and_then(Definition::php_bytes))
    }

    /// A constant's value as a string, cast as PHP casts it (`0` → `"0"`, `false` → `""`).
    ///
    /// # Errors
    /// [`WpConfigError::NotLiteral`] when the value needs PHP to evaluate;
    /// [`WpConfigError::NotUtf8`] when the bytes are not UTF-8.
    ///
    /// # Examples
    /// ```
    /// use wpgate_core::wp_config::WpConfig;
    /// let config = WpConfig::parse("<?php define('A', 0); define('B', getenv('B'));").unwrap();
    /// assert_eq!(config.string("A").unwrap(), Some("0"));
    /// assert_eq!(config.string("C").unwrap(), None);
    /// assert!(config.string("B").is_err());
    /// ```
    pub fn string(&self, name: &str) -> Result<Option<&str>, WpConfigError> {
        let Some(definition) = self.literal(name)? else {
            return Ok(None);
        };
        let bytes = definition.php_bytes().unwrap_or_default();
        std::str::from_utf8(bytes).map(Some).map_err(|_| WpConfigError::NotUtf8 {
            file: self.file.clone(),
            line: definition.line,
            name: name.to_owned(),
        })
    }

    /// A constant's PHP truthiness: `false`, `0`, `0.0`, `""`, `"0"` and `null` are false;
    /// everything else, including the string `"false"`, is true.
    ///
    /// # Errors
    /// [`WpConfigError::NotLiteral`] when the value needs PHP to evaluate.
    pub fn bool(&self, name: &str) -> Result<Option<bool>, WpConfigError> {
        Ok(self.literal(name)?.and_then(|d| d.value.is_truthy()))
    }

    /// The eight keys and salts and the two legacy ones, as `wp_salt()` sees them.
    ///
    /// # Errors
    /// [`WpConfigError::NotLiteral`] or [`WpConfigError::NotUtf8`] for the first key or salt
    /// that cannot be read.
    ///
    /// # Security
    /// The values are secrets: they stay inside [`SecretString`] and are never shown by
    /// `Debug` or in errors.
    #[doc(alias = "wp_salt")]
    pub fn salts(&self) -> Result<Salts, WpConfigError> {
        let get = |name: &str| -> Result<Option<SecretString>, WpConfigError> {
            Ok(self.string(name)?.map(SecretString::from))
        };
        Ok(Salts {
            auth_key: get("AUTH_KEY")?,
            secure_auth_key: get("SECURE_AUTH_KEY")?,
            logged_in_key: get("LOGGED_IN_KEY")?,
            nonce_key: get("NONCE_KEY")?,
            auth_salt: get("AUTH_SALT")?,
            secure_auth_salt: get("SECURE_AUTH_SALT")?,
            logged_in_salt: get("LOGGED_IN_SALT")?,
            nonce_salt: get("NONCE_SALT")?,
            secret_key: get("SECRET_KEY")?,
            secret_salt: get("SECRET_SALT")?,
        })
    }

    /// `DB_NAME`, which WordPress requires.
    ///
    /// # Errors
    /// [`WpConfigError::Missing`], [`WpConfigError::NotLiteral`], [`WpConfigError::NotUtf8`].
    pub fn db_name(&self) -> Result<&str, WpConfigError> {
        self.required("DB_NAME")
    }

    /// `DB_USER`, which WordPress requires.
    ///
    /// # Errors
    /// As [`WpConfig::db_name`].
    pub fn db_user(&self) -> Result<&str, WpConfigError> {
        self.required("DB_USER")
    }

    /// `DB_PASSWORD`, which WordPress requires (it may be empty).
    ///
    /// # Errors
    /// As [`WpConfig::db_name`].
    ///
    /// # Security
    /// Returned as a [`SecretString`]; errors never show a literal password.
    pub fn db_password(&self) -> Result<SecretString, WpConfigError> {
        self.required("DB_PASSWORD").map(SecretString::from)
    }

    /// `DB_HOST`, decoded as `wpdb::parse_db_host()` and mysqli do ([`DbHost::parse`]).
    ///
    /// # Errors
    /// As [`WpConfig::db_name`], and [`WpConfigError::InvalidDbHost`] for a port above 65535.
    pub fn db_host(&self) -> Result<DbHost, WpConfigError> {
        let value = self.required("DB_HOST")?;
        DbHost::parse(value).map_err(|source| WpConfigError::InvalidDbHost {
            file: self.file.clone(),
            line: self.constant("DB_HOST").map_or(0, Definition::line),
            value: value.to_owned(),
            source,
        })
    }

    /// `DB_CHARSET`, if defined (WordPress then picks `utf8mb4` when it can).
    ///
    /// # Errors
    /// [`WpConfigError::NotLiteral`], [`WpConfigError::NotUtf8`].
    pub fn db_charset(&self) -> Result<Option<&str>, WpConfigError> {
        self.string("DB_CHARSET")
    }

    /// `DB_COLLATE`, if defined (empty means the server's default).
    ///
    /// # Errors
    /// [`WpConfigError::NotLiteral`], [`WpConfigError::NotUtf8`].
    pub fn db_collate(&self) -> Result<Option<&str>, WpConfigError> {
        self.string("DB_COLLATE")
    }

    /// The `$table_prefix` that prefixes every table name (`wp_` in the sample file).
    ///
    /// The last assignment counts, except that an assignment inside a condition does not
    /// replace an earlier one (`if ( ! isset( $table_prefix ) ) $table_prefix = 'wp_';`).
    /// There is no default: WordPress needs the variable, and without it only warns and uses
    /// no prefix at all, which is never what a site meant.
    ///
    /// # Errors
    /// [`WpConfigError::MissingTablePrefix`], [`WpConfigError::NotLiteral`], and
    /// [`WpConfigError::InvalidTablePrefix`] for characters outside `[A-Za-z0-9_]` (which
    /// `wpdb::set_prefix()` refuses).
    pub fn table_prefix(&self) -> Result<&str, WpConfigError> {
        let Some(definition) = &self.parsed.table_prefix else {
            return Err(WpConfigError::MissingTablePrefix {
                file: self.file.clone(),
                hint: self.missing_hint(),
            });
        };
        let Some(bytes) = definition.php_bytes() else {
            return Err(self.not_literal(definition, "WPGATE_TABLE_PREFIX".to_owned()));
        };
        match std::str::from_utf8(bytes) {
            Ok(prefix) if prefix.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') => {
                Ok(prefix)
            }
            _ => Err(WpConfigError::InvalidTablePrefix {
                file: self.file.clone(),
                line: definition.line,
                prefix: String::from_utf8_lossy(bytes).into_owned(),
            }),
        }
    }

    /// The cookie and site constants the file predefines.
    ///
    /// # Errors
    /// [`WpConfigError::NotLiteral`] or [`WpConfigError::NotUtf8`] for the first of them that
    /// cannot be read (`define( 'WP_HOME', 'https://' . $_SERVER['HTTP_HOST'] )` is common).
    #[doc(alias = "wp_cookie_constants")]
    pub fn cookie_constants(&self) -> Result<CookieConstants, WpConfigError> {
        let text = |name: &str| -> Result<Option<String>, WpConfigError> {
            Ok(self.string(name)?.map(str::to_owned))
        };
        Ok(CookieConstants {
            cookie_domain: text("COOKIE_DOMAIN")?,
            cookiepath: text("COOKIEPATH")?,
            sitecookiepath: text("SITECOOKIEPATH")?,
            admin_cookie_path: text("ADMIN_COOKIE_PATH")?,
            plugins_cookie_path: text("PLUGINS_COOKIE_PATH")?,
            cookiehash: text("COOKIEHASH")?,
            wp_siteurl: text("WP_SITEURL")?,
            wp_home: text("WP_HOME")?,
            wp_content_url: text("WP_CONTENT_URL")?,
            wp_plugin_url: text("WP_PLUGIN_URL")?,
            force_ssl_admin: self.bool("FORCE_SSL_ADMIN")?,
            multisite: self.bool("MULTISITE")?,
            subdomain_install: self.bool("SUBDOMAIN_INSTALL")?,
            domain_current_site: text("DOMAIN_CURRENT_SITE")?,
            path_current_site: text("PATH_CURRENT_SITE")?,
        })
    }

    /// The definition if it is a literal; an error naming the line if it is not.
    fn literal(&self, name: &str) -> Result<Option<&Definition>, WpConfigError> {
        match self.constant(name) {
            Some(definition) if !definition.is_literal() => {
                Err(self.not_literal(definition, env_var(name)))
            }
            found => Ok(found),
        }
    }

    fn required(&self, name: &str) -> Result<&str, WpConfigError> {
        self.string(name)?.ok_or_else(|| WpConfigError::Missing {
            file: self.file.clone(),
            name: name.to_owned(),
            hint: self.missing_hint(),
            env_var: env_var(name),
        })
    }

    fn not_literal(&self, definition: &Definition, env_var: String) -> WpConfigError {
        WpConfigError::NotLiteral {
            file: self.file.clone(),
            line: definition.line,
            name: definition.name.clone(),
            source_text: definition.shown.clone(),
            env_var,
        }
    }

    /// Why a definition may be missing, for the error message.
    fn missing_hint(&self) -> String {
        if !self.parsed.has_open_tag {
            return " (the file has no <?php tag: it is not PHP code)".to_owned();
        }
        if let Some(first) = self.parsed.static_defines.first() {
            return format!(
                " (line {} calls {}::define(), the Bedrock style, which wpgate does not \
                 evaluate)",
                first.line, first.class
            );
        }
        let loader = self.parsed.includes.iter().find(|i| !i.source.contains("wp-settings.php"));
        match loader {
            Some(include) => format!(
                " (it may come from the file included at line {}: {})",
                include.line,
                include.source.split_whitespace().collect::<Vec<_>>().join(" ")
            ),
            None => String::new(),
        }
    }
}

impl fmt::Debug for WpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WpConfig")
            .field("file", &self.file)
            .field("constants", &self.parsed.definitions)
            .field("shadowed", &self.parsed.shadowed)
            .field("table_prefix", &self.parsed.table_prefix)
            .field("includes", &self.parsed.includes)
            .finish()
    }
}

impl Definition {
    pub(super) fn new(
        name: String,
        value: Value,
        line: usize,
        column: usize,
        conditional: bool,
        shown: String,
    ) -> Self {
        let cast = match &value {
            Value::String(_) | Value::NonLiteral { .. } => Vec::new(),
            other => other.to_php_string().map(Cow::into_owned).unwrap_or_default(),
        };
        Definition { name, value, line, column, conditional, cast, shown }
    }

    /// The constant's name (`$table_prefix` for the table prefix).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value as written.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// 1-based line of the `define`, `const` or assignment.
    pub fn line(&self) -> usize {
        self.line
    }

    /// 1-based column (in characters) of the same.
    pub fn column(&self) -> usize {
        self.column
    }

    /// True when the definition sits under a condition we cannot evaluate (`if`, `else`,
    /// `switch`, `||`, `? :`, …); it still counts if it comes first.
    pub fn is_conditional(&self) -> bool {
        self.conditional
    }

    /// True when the value is known without running PHP.
    pub fn is_literal(&self) -> bool {
        !matches!(self.value, Value::NonLiteral { .. })
    }

    /// True when the name looks like a secret (keys, salts, passwords, tokens): `Debug` and
    /// errors mask its value.
    pub fn is_secret(&self) -> bool {
        looks_secret(&self.name)
    }

    /// The value as PHP uses it in a string context; `None` for a non-literal.
    pub fn php_bytes(&self) -> Option<&[u8]> {
        match &self.value {
            Value::String(bytes) => Some(bytes),
            Value::NonLiteral { .. } => None,
            _ => Some(&self.cast),
        }
    }
}

impl fmt::Debug for Definition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Shown<'a>(&'a str);
        impl fmt::Debug for Shown<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "NonLiteral({:?})", self.0)
            }
        }
        struct Redacted;
        impl fmt::Debug for Redacted {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[REDACTED]")
            }
        }
        let mut s = f.debug_struct("Definition");
        s.field("name", &self.name);
        match (&self.value, self.is_secret()) {
            (Value::NonLiteral { .. }, _) => s.field("value", &Shown(&self.shown)),
            (_, true) => s.field("value", &Redacted),
            (value, false) => s.field("value", value),
        };
        s.field("line", &self.line)
            .field("column", &self.column)
            .field("conditional", &self.conditional)
            .finish()
    }
}

impl Value {
    /// The value in a string context, as PHP's `strval()`: ints in decimal, floats with
    /// `precision = 14` (`0.1`, `1.0E+25`, `-0`), `true` → `"1"`, `false` and `null` → `""`.
    /// `None` for a non-literal.
    #[doc(alias = "strval")]
    pub fn to_php_string(&self) -> Option<Cow<'_, [u8]>> {
        Some(match self {
            Value::String(bytes) => Cow::Borrowed(bytes.as_slice()),
            Value::Int(n) => Cow::Owned(n.to_string().into_bytes()),
            Value::Float(f) => Cow::Owned(php_float_string(*f).into_bytes()),
            Value::Bool(true) => Cow::Borrowed(b"1".as_slice()),
            Value::Bool(false) | Value::Null => Cow::Borrowed(b"".as_slice()),
            Value::NonLiteral { .. } => return None,
        })
    }

    /// PHP truthiness (`(bool)`); `None` for a non-literal.
    pub fn is_truthy(&self) -> Option<bool> {
        Some(match self {
            Value::String(bytes) => !(bytes.is_empty() || bytes.as_slice() == b"0"),
            Value::Int(n) => *n != 0,
            Value::Float(f) => *f != 0.0,
            Value::Bool(b) => *b,
            Value::Null => false,
            Value::NonLiteral { .. } => return None,
        })
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::String(bytes) => write!(f, "String({:?})", String::from_utf8_lossy(bytes)),
            Value::Int(n) => write!(f, "Int({n})"),
            Value::Float(x) => write!(f, "Float({x:?})"),
            Value::Bool(b) => write!(f, "Bool({b})"),
            Value::Null => f.write_str("Null"),
            Value::NonLiteral { source } => write!(f, "NonLiteral({source:?})"),
        }
    }
}

impl Include {
    /// 1-based line of the statement.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The statement after the keyword, as written (`ABSPATH . 'wp-settings.php'`).
    pub fn source(&self) -> &str {
        &self.source
    }
}

/// A `Class::define(…)` call (Bedrock's `Config::define`), kept for error hints.
#[derive(Debug, Clone, PartialEq, Eq)]
struct StaticDefine {
    line: usize,
    class: String,
}

/// `WPGATE_` and the name, upper-cased, with anything but letters and digits as `_`.
fn env_var(name: &str) -> String {
    let tail: String = name
        .trim_start_matches('$')
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' })
        .collect();
    format!("WPGATE_{tail}")
}

/// Names whose values must not be shown: the salts, `DB_PASSWORD`, and by the same words
/// anything a plugin adds (`WP_REDIS_PASSWORD`, `JWT_AUTH_SECRET_KEY`, `S3_UPLOADS_KEY`).
/// Masking a harmless value by mistake costs nothing.
fn looks_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    ["PASS", "SECRET", "KEY", "SALT", "TOKEN", "PRIVATE", "CREDENTIAL", "AUTH"]
        .iter()
        .any(|word| upper.contains(word))
}

/// A float as PHP converts it to a string (`precision = 14`, `php_gcvt()`): 14 significant
/// digits, trailing zeros dropped, exponent form when the exponent is below -4 or above 14.
fn php_float_string(f: f64) -> String {
    if f.is_nan() {
        return "NAN".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "INF" } else { "-INF" }.to_owned();
    }
    let sign = if f.is_sign_negative() { "-" } else { "" };
    if f == 0.0 {
        return format!("{sign}0");
    }
    let scientific = format!("{:.13e}", f.abs());
    let Some((mantissa, exponent)) = scientific.split_once('e') else {
        return scientific;
    };
    let exponent: i64 = exponent.parse().unwrap_or(0);
    let all_digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = all_digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    // php_gcvt's `decpt`: where the decimal point goes relative to the digits.
    let decpt = exponent + 1;
    let len = i64::try_from(digits.len()).unwrap_or(i64::MAX);
    if !(-3..=14).contains(&decpt) {
        let (first, rest) = digits.split_at_checked(1).unwrap_or((digits, ""));
        let rest = if rest.is_empty() { "0" } else { rest };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!("{sign}{first}.{rest}E{exp_sign}{}", exponent.unsigned_abs())
    } else if decpt <= 0 {
        let zeros = "0".repeat(usize::try_from(-decpt).unwrap_or(0));
        format!("{sign}0.{zeros}{digits}")
    } else if len <= decpt {
        let zeros = "0".repeat(usize::try_from(decpt - len).unwrap_or(0));
        format!("{sign}{digits}{zeros}")
    } else {
        let point = usize::try_from(decpt).unwrap_or(0);
        let (int, frac) = digits.split_at_checked(point).unwrap_or((digits, ""));
        format!("{sign}{int}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use secrecy::ExposeSecret;

    use super::*;

    const SAMPLE: &str = include_str!("testdata/sample.php");
    const HAND_EDITED: &str = include_str!("testdata/hand-edited.php");
    const DEBIAN: &str = include_str!("testdata/debian-wp-config.php");
    const BEDROCK: &str = include_str!("testdata/bedrock-application.php");

    /// The 1-based line of the first occurrence of `needle`.
    fn line_of(src: &str, needle: &str) -> usize {
        let at = src.find(needle).unwrap_or_else(|| panic!("{needle} not in source"));
        src[..at].matches('\n').count() + 1
    }

    fn secret(s: &Option<SecretString>) -> Option<&str> {
        s.as_ref().map(|s| s.expose_secret())
    }

    fn value(config: &WpConfig, name: &str) -> Value {
        config.constant(name).unwrap().value().clone()
    }

    #[test]
    fn the_sample_file_reads_completely() {
        let config = WpConfig::parse(SAMPLE).unwrap();
        assert_eq!(config.db_name().unwrap(), "database_name_here");
        assert_eq!(config.db_user().unwrap(), "username_here");
        assert_eq!(config.db_password().unwrap().expose_secret(), "password_here");
        assert_eq!(config.db_host().unwrap(), DbHost::DefaultSocket);
        assert_eq!(config.db_charset().unwrap(), Some("utf8"));
        assert_eq!(config.db_collate().unwrap(), Some(""));
        assert_eq!(config.table_prefix().unwrap(), "wp_");
        assert_eq!(config.bool("WP_DEBUG").unwrap(), Some(false));

        let salts = config.salts().unwrap();
        for salt in [
            &salts.auth_key,
            &salts.secure_auth_key,
            &salts.logged_in_key,
            &salts.nonce_key,
            &salts.auth_salt,
            &salts.secure_auth_salt,
            &salts.logged_in_salt,
            &salts.nonce_salt,
        ] {
            assert_eq!(secret(salt), Some("put your unique phrase here"));
        }
        assert!(salts.secret_key.is_none() && salts.secret_salt.is_none());

        // ABSPATH is `__DIR__ . '/'` inside `if ( ! defined( 'ABSPATH' ) )`.
        let abspath = config.constant("ABSPATH").unwrap();
        assert!(abspath.is_conditional());
        assert_eq!(abspath.value(), &Value::NonLiteral { source: "__DIR__ . '/'".into() });
        assert!(!config.constant("DB_NAME").unwrap().is_conditional());
        assert_eq!(
            config.constant("DB_HOST").unwrap().line(),
            line_of(SAMPLE, "define( 'DB_HOST'")
        );
        assert_eq!(config.constant("DB_HOST").unwrap().column(), 1);
        assert_eq!(config.includes().len(), 1);
        assert_eq!(config.includes()[0].source(), "require_once ABSPATH . 'wp-settings.php'");
        assert_eq!(config.cookie_constants().unwrap(), CookieConstants::default());
        assert!(config.shadowed().is_empty());
        assert_eq!(config.constants().count(), 16);
    }

    #[test]
    fn a_hand_edited_file_reads_as_php_sees_it() {
        // Expected values printed by PHP 8.2 running the file (with stub functions).
        let config = WpConfig::parse(HAND_EDITED).unwrap();
        assert_eq!(config.db_name().unwrap(), "shop");
        assert_eq!(config.db_user().unwrap(), "shop_user");
        assert_eq!(config.db_password().unwrap().expose_secret(), "p@ss$word\\\"1é");
        assert_eq!(
            config.db_host().unwrap(),
            DbHost::Tcp { host: "db.internal".into(), port: Some(3307) }
        );
        assert_eq!(config.db_charset().unwrap(), Some("utf8mb4"));
        assert_eq!(config.db_collate().unwrap(), Some("utf8mb4_unicode_520_ci"));
        assert_eq!(config.table_prefix().unwrap(), "shop_");

        assert_eq!(config.string("AUTH_KEY").unwrap(), Some("it's a \\ backslash and a \\n kept"));
        assert_eq!(
            config.string("SECURE_AUTH_KEY").unwrap(),
            Some("tab\there $dollar {brace} ABC")
        );
        assert_eq!(
            config.string("LOGGED_IN_KEY").unwrap(),
            Some("nowdoc $not {$interpolated} \\n")
        );
        assert_eq!(config.string("NONCE_KEY").unwrap(), Some("heredoc \t \"quotes\" $ok"));
        assert_eq!(config.string("AUTH_SALT").unwrap(), Some("concatenated"));
        assert_eq!(config.string("SECURE_AUTH_SALT").unwrap(), Some("0"));
        assert_eq!(value(&config, "SECURE_AUTH_SALT"), Value::Int(0));

        // Not literals: an error only when asked.
        let err = config.salts().unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "wp-config.php:{}: LOGGED_IN_SALT is not a literal (getenv('LOGGED_IN_SALT')); \
                 set WPGATE_LOGGED_IN_SALT instead",
                line_of(HAND_EDITED, "define('LOGGED_IN_SALT'")
            )
        );
        assert!(config.string("NONCE_SALT").is_err());

        // The second DB_NAME is ignored, as PHP does.
        assert_eq!(config.shadowed()[0].name(), "DB_NAME");
        assert_eq!(
            config.shadowed()[0].value(),
            &Value::String(b"second_definition_is_ignored".to_vec())
        );

        // Comments, class constants, method/function/closure bodies and other receivers
        // define nothing.
        for absent in ["COMMENTED", "NOT_A_CONSTANT", "NOT_A_CONSTANT_EITHER", "COOKIE_DOMAIN"] {
            assert!(config.constant(absent).is_none(), "{absent}");
        }

        // `const` and earlier constants fold into later values.
        let cookies = config.cookie_constants().unwrap();
        assert_eq!(cookies.wp_home.as_deref(), Some("https://shop.example"));
        assert_eq!(cookies.wp_siteurl.as_deref(), Some("https://shop.example/wp"));
        assert_eq!(cookies.wp_content_url.as_deref(), Some("https://shop.example/content"));
        assert_eq!(cookies.wp_plugin_url.as_deref(), Some("https://shop.example/content/plugins"));
        assert_eq!(cookies.force_ssl_admin, Some(true));
        assert!(!config.constant("UPLOADS_DIR").unwrap().is_literal());

        // First of two conditional branches counts, and says so.
        let debug = config.constant("WP_DEBUG").unwrap();
        assert_eq!(debug.value(), &Value::Bool(true));
        assert!(debug.is_conditional());
        let names: Vec<_> = config.shadowed().iter().map(Definition::name).collect();
        assert_eq!(names, ["DB_NAME", "WP_DEBUG"], "the else branch is kept aside");

        assert_eq!(value(&config, "WP_MEMORY_LIMIT"), Value::Int(256));
        assert_eq!(value(&config, "EMPTY_TRASH_DAYS"), Value::Int(-3));
        assert_eq!(value(&config, "AUTOSAVE_INTERVAL"), Value::Float(1605.0));
        assert_eq!(config.string("AUTOSAVE_INTERVAL").unwrap(), Some("1605"));
        assert_eq!(value(&config, "WP_POST_REVISIONS"), Value::Null);
        assert_eq!(config.string("WP_POST_REVISIONS").unwrap(), Some(""));
    }

    #[test]
    fn debians_master_config_gives_its_fallbacks_marked_conditional() {
        let config = WpConfig::parse(DEBIAN).unwrap();
        // The real values live in /etc/wordpress/config-<host>.php; this file only has the
        // `if (!defined(…))` fallbacks, which is what we report, flagged as conditional.
        for (name, expected) in
            [("DB_NAME", "wordpress"), ("DB_USER", "wordpress"), ("DB_HOST", "localhost")]
        {
            let definition = config.constant(name).unwrap();
            assert_eq!(config.string(name).unwrap(), Some(expected));
            assert!(definition.is_conditional(), "{name}");
        }
        assert_eq!(config.bool("WP_AUTO_UPDATE_CORE").unwrap(), Some(false));
        assert_eq!(config.bool("wp_auto_update_core").unwrap(), Some(false));
        assert_eq!(config.table_prefix().unwrap(), "wp_");
        assert!(config.table_prefix_definition().unwrap().is_conditional());

        // DEBIAN_FILE is a variable in three branches: first wins, non-literal, conditional.
        let debian_file = config.constant("DEBIAN_FILE").unwrap();
        assert_eq!(debian_file.value(), &Value::NonLiteral { source: "$debian_file".into() });
        assert!(debian_file.is_conditional());
        assert_eq!(config.shadowed().len(), 2);

        // The password is nowhere in this file: the error points at the included file.
        let err = config.db_password().unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "wp-config.php: no define() found for DB_PASSWORD (it may come from the file \
                 included at line {}: require_once($debian_file)); set WPGATE_DB_PASSWORD",
                line_of(DEBIAN, "require_once($debian_file)")
            )
        );
        assert_eq!(config.includes().len(), 4);
        assert!(config.salts().unwrap().auth_key.is_none());
    }

    #[test]
    fn a_debian_per_host_file_has_the_legacy_secret_key_and_no_table_prefix() {
        // What Debian's setup-mysql writes to /etc/wordpress/config-<host>.php.
        let src = "<?php\n\
                   define('DB_NAME', 'examplecom');\n\
                   define('DB_USER', 'examplecom');\n\
                   define('DB_PASSWORD', 'Zk3v9Qw');\n\
                   define('DB_HOST', 'localhost');\n\
                   define('SECRET_KEY', 'dG9wIHNlY3JldCBrZXk');\n\
                   define('WP_CONTENT_DIR', '/var/lib/wordpress/wp-content');\n\
                   define('FS_METHOD', 'direct');\n\
                   ?>\n";
        let config = WpConfig::parse_named("/etc/wordpress/config-example.com.php", src).unwrap();
        let salts = config.salts().unwrap();
        assert_eq!(secret(&salts.secret_key), Some("dG9wIHNlY3JldCBrZXk"));
        assert!(salts.auth_key.is_none());
        assert_eq!(config.db_host().unwrap(), DbHost::DefaultSocket);
        // The master /usr/share/wordpress/wp-config.php supplies it; this file alone has none.
        assert!(matches!(
            config.table_prefix().unwrap_err(),
            WpConfigError::MissingTablePrefix { ref file, .. }
                if file == "/etc/wordpress/config-example.com.php"
        ));
    }

    #[test]
    fn a_bedrock_config_explains_why_db_name_is_missing() {
        let config = WpConfig::parse(BEDROCK).unwrap();
        let err = config.db_name().unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "wp-config.php: no define() found for DB_NAME (line {} calls Config::define(), \
                 the Bedrock style, which wpgate does not evaluate); set WPGATE_DB_NAME",
                line_of(BEDROCK, "Config::define('WP_HOME'")
            )
        );
        assert!(matches!(err, WpConfigError::Missing { ref name, .. } if name == "DB_NAME"));
        assert!(config.constant("DB_CHARSET").is_none());
        assert!(!config.constant("WP_ENV").unwrap().is_literal());
        assert_eq!(
            config.table_prefix().unwrap_err().to_string(),
            format!(
                "wp-config.php:{}: $table_prefix is not a literal (env('DB_PREFIX') ?: 'wp_'); \
                 set WPGATE_TABLE_PREFIX instead",
                line_of(BEDROCK, "$table_prefix")
            )
        );
    }

    #[test]
    fn define_is_found_in_every_spelling() {
        let src = "<?php\nDEFINE ( \"A\" , \"y\" ) ;\n\\define('B', 2);\ndefine\n(\n  'C'\n  ,\n  'z'\n  ,\n  true\n);\n\
                   define((('D')), (('w')));\ndefine('E', 'v',);\ndefine(value: 'u', constant_name: 'F');\n\
                   define ('G','t')?>";
        let config = WpConfig::parse(src).unwrap();
        let read: Vec<_> =
            config.constants().map(|d| (d.name(), d.value().clone(), d.line())).collect();
        assert_eq!(
            read,
            vec![
                ("A", Value::String(b"y".to_vec()), 2),
                ("B", Value::Int(2), 3),
                ("C", Value::String(b"z".to_vec()), 4),
                ("D", Value::String(b"w".to_vec()), 12),
                ("E", Value::String(b"v".to_vec()), 13),
                ("F", Value::String(b"u".to_vec()), 14),
                ("G", Value::String(b"t".to_vec()), 15),
            ]
        );
    }

    #[test]
    fn the_first_definition_wins_and_later_ones_are_kept_aside() {
        let src = "<?php define('X', 'one'); const X = 'two'; define('X', getenv('X'));";
        let config = WpConfig::parse(src).unwrap();
        assert_eq!(config.string("X").unwrap(), Some("one"));
        let shadowed: Vec<_> = config.shadowed().iter().map(|d| d.value().clone()).collect();
        assert_eq!(
            shadowed,
            vec![
                Value::String(b"two".to_vec()),
                Value::NonLiteral { source: "getenv('X')".into() }
            ]
        );
        // A later definition never shadows a non-literal first one either.
        let config = WpConfig::parse("<?php define('X', $x); define('X', 'lit');").unwrap();
        assert!(config.string("X").is_err());
    }

    #[test]
    fn a_non_literal_is_an_error_only_when_asked_for() {
        let src = "<?php\n\n// database\ndefine( 'DB_PASSWORD', getenv('DB_PASS') );\ndefine('DB_NAME', 'x');";
        let config = WpConfig::parse(src).unwrap();
        assert_eq!(config.db_name().unwrap(), "x");
        let err = config.db_password().unwrap_err();
        assert_eq!(
            err.to_string(),
            "wp-config.php:4: DB_PASSWORD is not a literal (getenv('DB_PASS')); set \
             WPGATE_DB_PASSWORD instead"
        );
        assert_eq!(
            err,
            WpConfigError::NotLiteral {
                file: "wp-config.php".into(),
                line: 4,
                name: "DB_PASSWORD".into(),
                source_text: "getenv('DB_PASS')".into(),
                env_var: "WPGATE_DB_PASSWORD".into(),
            }
        );
        let named = WpConfig::parse_named("/etc/wordpress/config-example.org.php", src).unwrap();
        assert!(
            named
                .db_password()
                .unwrap_err()
                .to_string()
                .starts_with("/etc/wordpress/config-example.org.php:4: ")
        );
    }

    #[test]
    fn literals_inside_a_secret_expression_are_masked() {
        let src = "<?php define('DB_PASSWORD', getenv('DB_PASS') ?: 'hunter2');\n\
                   define('AUTH_KEY', $_ENV['AUTH_KEY'] ?? \"s3cr3t\" . /* old: pw */ 42);\n\
                   define('WP_HOME', getenv('HOME') ?: 'https://example.org');\n\
                   define('LOGGED_IN_SALT', ('in-parens') . $x);";
        let config = WpConfig::parse(src).unwrap();
        let err = config.db_password().unwrap_err().to_string();
        assert!(err.contains("(getenv('DB_PASS') ?: '***')"), "{err}");
        let err = config.salts().unwrap_err().to_string();
        assert!(err.contains("($_ENV['AUTH_KEY'] ?? '***' . '***')"), "{err}");
        // Not a secret: shown as written.
        let err = config.string("WP_HOME").unwrap_err().to_string();
        assert!(err.contains("(getenv('HOME') ?: 'https://example.org')"), "{err}");
        let debug = format!("{config:?}");
        assert!(!debug.contains("hunter2") && !debug.contains("s3cr3t") && !debug.contains("pw"));
        assert!(!debug.contains("in-parens"), "{debug}");
        assert!(debug.contains("('***') . $x"), "{debug}");
        assert!(debug.contains("https://example.org"));
    }

    #[test]
    fn debug_output_masks_secret_values() {
        let src = "<?php define('DB_NAME', 'visible_db'); define('DB_PASSWORD', 'hunter2');\n\
                   define('AUTH_KEY', 'k-e-y'); define('NONCE_SALT', 's-a-l-t');\n\
                   define('WP_REDIS_PASSWORD', 'redispw'); define('SECRET_KEY', 'legacy');\n\
                   $table_prefix = 'visible_';";
        let config = WpConfig::parse(src).unwrap();
        let debug = format!("{config:?}");
        for hidden in ["hunter2", "k-e-y", "s-a-l-t", "redispw", "legacy"] {
            assert!(!debug.contains(hidden), "{hidden} leaked: {debug}");
        }
        for shown in ["visible_db", "visible_", "[REDACTED]", "DB_PASSWORD"] {
            assert!(debug.contains(shown), "{shown} missing: {debug}");
        }
        let salts = config.salts().unwrap();
        assert!(!format!("{salts:?}").contains("k-e-y"));
        assert!(config.constant("DB_PASSWORD").unwrap().is_secret());
        assert!(!config.constant("DB_NAME").unwrap().is_secret());
    }

    #[test]
    fn conditions_mark_definitions_but_do_not_hide_them() {
        let src = r#"<?php
if ( ! defined( 'A' ) ) { define( 'A', 1 ); }
if (!defined('B')) define('B', 2);
define('C', 3);
if ($x): define('D', 4); elseif ($y): define('E', 5); else: define('F', 6); endif;
define('G', 7);
defined('H') || define('H', 8);
defined('I') or define('I', 9);
$flag ? define('J', 10) : define('K', 11);
switch ($env) { case 'prod': define('L', 12); break; }
while (false) define('M', 13);
foreach ($list as $item) { define('N', 14); }
try { define('O', 15); } catch (Exception $e) { define('P', 16); } finally { define('Q', 17); }
if ($a) { if ($b) { } define('R', 18); }
if ($a) define('S', 19); else define('T', 20);
define('U', 21);
{ define('V', 22); }
"#;
        let config = WpConfig::parse(src).unwrap();
        let conditional: String = config
            .constants()
            .filter(|d| d.is_conditional())
            .map(|d| d.name().to_owned())
            .collect();
        let unconditional: String = config
            .constants()
            .filter(|d| !d.is_conditional())
            .map(|d| d.name().to_owned())
            .collect();
        assert_eq!(conditional, "ABDEFHIJKLMNPRST");
        assert_eq!(unconditional, "CGOQUV");
    }

    #[test]
    fn function_and_class_bodies_define_nothing() {
        let src = r#"<?php
function setup() { define('A', 1); }
$f = function () use ($x) { define('B', 2); };
class Conf { const C = 3; public static function go(): void { define('D', 4); } }
interface I { const E = 5; }
enum Suit: string { const F = 6; case Hearts = 'H'; }
$anon = new class(1) { const G = 7; };
abstract class Base { abstract function run(); }
$g = fn() => define('Z', 0);
array_map(fn ($x) => $x, []);
define('H', 8);
const I = 9, J = 'ten';
"#;
        let config = WpConfig::parse(src).unwrap();
        let names: Vec<_> = config.constants().map(Definition::name).collect();
        assert_eq!(names, ["H", "I", "J"]);
        assert_eq!(config.string("J").unwrap(), Some("ten"));
    }

    #[test]
    fn namespaced_const_gets_the_namespace_and_define_does_not() {
        let config =
            WpConfig::parse("<?php namespace Site\\Config; const X = 1; define('Y', 2);").unwrap();
        assert!(config.constant("Site\\Config\\X").is_some());
        assert!(config.constant("Y").is_some());
    }

    #[test]
    fn unrelated_code_is_skipped() {
        let src = r#"<?php
declare(strict_types=1);
use Foo\Bar;
use const Foo\BAZ;
require_once __DIR__ . '/vendor/autoload.php';
ini_set('memory_limit', '256M');
$vars = ['x' => [1, 2, (3)], 'y' => fn($a) => $a * 2];
$match = match ($x) { 1 => 'one', default => 'other' };
$obj?->define('NO', 1);
Config::define('NO2', 1);
function define_all(array $values) { foreach ($values as $k => $v) { define($k, $v); } }
define($dynamic, 'value');
define(...$args);
define('Foo::BAR', 1);
echo <<<HTML
  <p>{$vars['x']}</p>
  HTML;
@include 'optional.php';
define('KEPT', 'yes');
"#;
        let config = WpConfig::parse(src).unwrap();
        let names: Vec<_> = config.constants().map(Definition::name).collect();
        assert_eq!(names, ["KEPT"]);
        assert_eq!(config.includes().len(), 2);
    }

    #[test]
    fn literal_expressions_fold_like_php() {
        let src = r#"<?php
define('A', 'a' . 'b' . "c");
define('B', 'n' . 1 . true . false . null . 1.5);
define('C', -1);
define('D', - 1.5);
define('E', +2);
define('F', -(3));
define('G', A . '-' . B);
define('H', (('x')));
define('I', 'a' . $b);
define('J', 60 * 60);
define('K', -'5');
define('L', PHP_EOL);
define('M', \TRUE);
define('N', -9223372036854775808);
define('O', strtolower('X'));
define('P', 1 . '');
"#;
        let config = WpConfig::parse(src).unwrap();
        assert_eq!(config.string("A").unwrap(), Some("abc"));
        assert_eq!(config.string("B").unwrap(), Some("n111.5"));
        assert_eq!(value(&config, "C"), Value::Int(-1));
        assert_eq!(value(&config, "D"), Value::Float(-1.5));
        assert_eq!(value(&config, "E"), Value::Int(2));
        assert_eq!(value(&config, "F"), Value::Int(-3));
        assert_eq!(config.string("G").unwrap(), Some("abc-n111.5"));
        assert_eq!(config.string("H").unwrap(), Some("x"));
        for non_literal in ["I", "J", "K", "L", "O"] {
            assert!(!config.constant(non_literal).unwrap().is_literal(), "{non_literal}");
        }
        assert_eq!(value(&config, "M"), Value::Bool(true));
        // PHP reads 9223372036854775808 as a float before negating it.
        assert_eq!(value(&config, "N"), Value::Float(-9_223_372_036_854_775_808.0));
        assert_eq!(config.string("N").unwrap(), Some("-9.2233720368548E+18"));
        assert_eq!(config.string("P").unwrap(), Some("1"));
        assert_eq!(value(&config, "J"), Value::NonLiteral { source: "60 * 60".into() });
    }

    #[test]
    fn floats_become_strings_as_php_prints_them() {
        // Each pair printed by PHP 8.2 `(string)` (precision = 14).
        let cases: &[(f64, &str)] = &[
            (1e14, "1.0E+14"),
            (1e15, "1.0E+15"),
            (0.1, "0.1"),
            (-0.0, "-0"),
            (0.0, "0"),
            (1e100, "1.0E+100"),
            (123_456_789_012_345_678.0, "1.2345678901235E+17"),
            (1.5e-5, "1.5E-5"),
            (0.0001, "0.0001"),
            (9_223_372_036_854_775_808.0, "9.2233720368548E+18"),
            (0.1 + 0.2, "0.3"),
            (1e-10, "1.0E-10"),
            (99_999_999_999_999.0, "99999999999999"),
            (1605.0, "1605"),
            (-2.5, "-2.5"),
            (f64::INFINITY, "INF"),
            (f64::NEG_INFINITY, "-INF"),
            (f64::NAN, "NAN"),
        ];
        for (f, expected) in cases {
            assert_eq!(php_float_string(*f), *expected, "{f:e}");
        }
    }

    #[test]
    fn bool_follows_php_truthiness() {
        let src = r#"<?php
define('T1', true); define('T2', 'false'); define('T3', '0.0'); define('T4', ' '); define('T5', -1);
define('T6', 0.5); define('T7', "00");
define('F1', false); define('F2', ''); define('F3', '0'); define('F4', 0); define('F5', 0.0);
define('F6', null); define('F7', -0.0); define('F8', FALSE);
"#;
        let config = WpConfig::parse(src).unwrap();
        for name in ["T1", "T2", "T3", "T4", "T5", "T6", "T7"] {
            assert_eq!(config.bool(name).unwrap(), Some(true), "{name}");
        }
        for name in ["F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8"] {
            assert_eq!(config.bool(name).unwrap(), Some(false), "{name}");
        }
        assert_eq!(config.bool("UNDEFINED").unwrap(), None);
        assert_eq!(config.string("T1").unwrap(), Some("1"));
        assert_eq!(config.string("F1").unwrap(), Some(""));
    }

    #[test]
    fn windows_line_endings_and_a_byte_order_mark_are_fine() {
        let unix = SAMPLE;
        let windows = format!("\u{feff}{}", unix.replace('\n', "\r\n"));
        let a = WpConfig::parse(unix).unwrap();
        let b = WpConfig::parse(&windows).unwrap();
        assert_eq!(b.db_name().unwrap(), "database_name_here");
        assert_eq!(b.table_prefix().unwrap(), "wp_");
        for (x, y) in a.constants().zip(b.constants()) {
            assert_eq!((x.name(), x.line(), x.value()), (y.name(), y.line(), y.value()));
        }
        assert_eq!(a.constants().count(), b.constants().count());
        // A lone CR also ends a line for PHP.
        let mac = WpConfig::parse("<?php\rdefine('A', 1);\r\rdefine('B', 2);").unwrap();
        assert_eq!(mac.constant("B").unwrap().line(), 4);
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let err =
            WpConfig::parse("<?php\ndefine('A', 1);\ndefine('DB_NAME', 'oops);\n").unwrap_err();
        assert_eq!(err.to_string(), "wp-config.php:3:19: unterminated string");
        assert_eq!(
            err,
            WpConfigError::Syntax {
                file: "wp-config.php".into(),
                line: 3,
                column: 19,
                kind: SyntaxErrorKind::UnterminatedString
            }
        );
        let err = WpConfig::parse("<?php\n  define('A', 'é' . 'x'\n").unwrap_err();
        assert_eq!(err.to_string(), "wp-config.php:2:9: define( is not closed");
        let err = WpConfig::parse("<?php define('A');").unwrap_err();
        assert_eq!(err.to_string(), "wp-config.php:1:7: define() needs a name and a value");
        let err = WpConfig::parse("<?php define('A', 1 ?> x").unwrap_err();
        assert!(matches!(err, WpConfigError::Syntax { kind: SyntaxErrorKind::UnclosedCall, .. }));
        let err = WpConfig::parse("<?php define('A', 'é'); define('B', \"\\u{zz}\");").unwrap_err();
        assert_eq!(err.to_string(), "wp-config.php:1:38: invalid \\u{…} escape");
    }

    #[test]
    fn table_prefix_rules() {
        let missing = WpConfig::parse("<?php define('DB_NAME', 'x');").unwrap();
        assert_eq!(
            missing.table_prefix().unwrap_err().to_string(),
            "wp-config.php: $table_prefix is not assigned; WordPress requires it (without one it \
             warns and uses no prefix at all); set WPGATE_TABLE_PREFIX"
        );
        let invalid = WpConfig::parse("<?php\n$table_prefix = 'wp-';").unwrap();
        assert_eq!(
            invalid.table_prefix().unwrap_err().to_string(),
            "wp-config.php:2: $table_prefix \"wp-\" may only contain letters, digits and \
             underscores (WordPress refuses to start with it)"
        );
        let last = WpConfig::parse("<?php $table_prefix = 'a_'; $table_prefix = 'b_';").unwrap();
        assert_eq!(last.table_prefix().unwrap(), "b_");
        let guarded = WpConfig::parse(
            "<?php $table_prefix = 'a_'; if (!isset($table_prefix)) $table_prefix = 'wp_';",
        )
        .unwrap();
        assert_eq!(guarded.table_prefix().unwrap(), "a_");
        let coalesce =
            WpConfig::parse("<?php $table_prefix = 'a_'; $table_prefix ??= 'wp_';").unwrap();
        assert_eq!(coalesce.table_prefix().unwrap(), "a_");
        let appended =
            WpConfig::parse("<?php $table_prefix = 'a_'; $table_prefix .= 'b_';").unwrap();
        assert!(matches!(
            appended.table_prefix().unwrap_err(),
            WpConfigError::NotLiteral { ref env_var, ref source_text, .. }
                if env_var == "WPGATE_TABLE_PREFIX" && source_text == "$table_prefix .= 'b_'"
        ));
        let compared =
            WpConfig::parse("<?php $table_prefix = 'a_'; if ($table_prefix == 'x') {}").unwrap();
        assert_eq!(compared.table_prefix().unwrap(), "a_");
        let in_function = WpConfig::parse("<?php function f() { $table_prefix = 'x_'; }").unwrap();
        assert!(in_function.table_prefix().is_err());
        let numeric = WpConfig::parse("<?php $table_prefix = 1;").unwrap();
        assert_eq!(numeric.table_prefix().unwrap(), "1");
        let empty = WpConfig::parse("<?php $table_prefix = '';").unwrap();
        assert_eq!(empty.table_prefix().unwrap(), "");
    }

    #[test]
    fn db_getters_name_what_is_missing_or_wrong() {
        let config = WpConfig::parse("<?php\ndefine('DB_HOST', 'db:99999');").unwrap();
        assert_eq!(
            config.db_name().unwrap_err().to_string(),
            "wp-config.php: no define() found for DB_NAME; set WPGATE_DB_NAME"
        );
        assert_eq!(
            config.db_host().unwrap_err().to_string(),
            "wp-config.php:2: DB_HOST \"db:99999\": port 99999 is out of range (1-65535)"
        );
        assert_eq!(config.db_charset().unwrap(), None);
        let not_php = WpConfig::parse("DB_NAME=wordpress\n").unwrap();
        assert_eq!(
            not_php.db_name().unwrap_err().to_string(),
            "wp-config.php: no define() found for DB_NAME (the file has no <?php tag: it is not \
             PHP code); set WPGATE_DB_NAME"
        );
        let late = WpConfig::parse("<?php function f() {} define('DB_USER', 'u');").unwrap();
        assert_eq!(late.db_user().unwrap(), "u");
    }

    #[test]
    fn cookie_constants_are_read_when_predefined() {
        let src = r#"<?php
define('COOKIE_DOMAIN', false);
define('COOKIEPATH', '/');
define('SITECOOKIEPATH', '/wp/');
define('ADMIN_COOKIE_PATH', SITECOOKIEPATH . 'wp-admin');
define('PLUGINS_COOKIE_PATH', '/wp-content/plugins');
define('COOKIEHASH', md5('https://example.org'));
define('MULTISITE', true);
define('SUBDOMAIN_INSTALL', false);
define('DOMAIN_CURRENT_SITE', 'example.org');
define('PATH_CURRENT_SITE', '/');
"#;
        let config = WpConfig::parse(src).unwrap();
        let err = config.cookie_constants().unwrap_err();
        assert!(matches!(err, WpConfigError::NotLiteral { ref name, .. } if name == "COOKIEHASH"));
        let fixed = src.replace("md5('https://example.org')", "'0123456789abcdef0123456789abcdef'");
        let cookies = WpConfig::parse(&fixed).unwrap().cookie_constants().unwrap();
        assert_eq!(
            cookies,
            CookieConstants {
                cookie_domain: Some(String::new()),
                cookiepath: Some("/".into()),
                sitecookiepath: Some("/wp/".into()),
                admin_cookie_path: Some("/wp/wp-admin".into()),
                plugins_cookie_path: Some("/wp-content/plugins".into()),
                cookiehash: Some("0123456789abcdef0123456789abcdef".into()),
                multisite: Some(true),
                subdomain_install: Some(false),
                domain_current_site: Some("example.org".into()),
                path_current_site: Some("/".into()),
                ..CookieConstants::default()
            }
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_are_kept_and_refused_as_text() {
        let config = WpConfig::parse("<?php\ndefine('AUTH_KEY', \"\\xff\\xfe\");").unwrap();
        assert_eq!(config.bytes("AUTH_KEY").unwrap(), Some(b"\xff\xfe".as_slice()));
        assert_eq!(
            config.salts().unwrap_err().to_string(),
            "wp-config.php:2: AUTH_KEY is not valid UTF-8"
        );
    }

    #[test]
    fn a_close_tag_ends_a_statement_and_html_between_is_ignored() {
        let src = "<?php define('A', 1) ?>\n<p>define('HTML', 1);</p>\n<?php define('B', 2);";
        let config = WpConfig::parse(src).unwrap();
        let names: Vec<_> = config.constants().map(Definition::name).collect();
        assert_eq!(names, ["A", "B"]);
        // A `//` comment ends at `?>`: the define after it is HTML, not code.
        let config = WpConfig::parse("<?php // note ?> define('C', 3);").unwrap();
        assert_eq!(config.constants().count(), 0);
    }

    #[test]
    #[ignore = "reads the Debian wordpress package's files (/usr/share/wordpress, /usr/share/doc/wordpress)"]
    fn the_installed_wordpress_files_read_sensibly() {
        let sample = std::fs::read_to_string("/usr/share/wordpress/wp-config-sample.php").unwrap();
        let config = WpConfig::parse(&sample).unwrap();
        assert_eq!(config.db_name().unwrap(), "database_name_here");
        assert_eq!(config.table_prefix().unwrap(), "wp_");
        let salts = config.salts().unwrap();
        assert_eq!(secret(&salts.nonce_salt), Some("put your unique phrase here"));
        assert!(config.constant("ABSPATH").unwrap().is_conditional());

        let debian = std::fs::read_to_string("/usr/share/wordpress/wp-config.php").unwrap();
        let config = WpConfig::parse(&debian).unwrap();
        assert!(config.constant("DB_NAME").unwrap().is_conditional());
        assert_eq!(config.db_name().unwrap(), "wordpress");
        assert_eq!(config.table_prefix().unwrap(), "wp_");
        let err = config.db_password().unwrap_err().to_string();
        assert!(err.contains("may come from the file included at line"), "{err}");

        let default =
            std::fs::read_to_string("/usr/share/doc/wordpress/examples/config-default.php")
                .unwrap();
        let config = WpConfig::parse_named("/etc/wordpress/config-default.php", &default).unwrap();
        assert_eq!(config.db_password().unwrap().expose_secret(), "password_here");
        assert_eq!(config.string("WP_CONTENT_DIR").unwrap(), Some("/var/lib/wordpress/wp-content"));
        assert!(config.constant("WP_ALLOW_MULTISITE").is_none(), "commented out");
    }

    /// Every getter on a parsed file: none of them may panic either.
    fn exercise(config: &WpConfig) {
        let _ = config.salts();
        let _ = config.db_name();
        let _ = config.db_user();
        let _ = config.db_password();
        let _ = config.db_host();
        let _ = config.db_charset();
        let _ = config.db_collate();
        let _ = config.table_prefix();
        let _ = config.cookie_constants();
        let _ = format!("{config:?}");
        for definition in config.constants().chain(config.shadowed()) {
            let _ = config.string(definition.name());
            let _ = config.bool(definition.name());
        }
    }

    /// PHP-ish fragments, so that random files reach deep into the parser.
    fn fragment() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "<?php ",
            "?>",
            "<?= ",
            "define",
            "DEFINE",
            "\\define",
            "const ",
            "(",
            ")",
            "((",
            "))",
            "'A'",
            "\"B\"",
            "'DB_HOST'",
            "'x:/s'",
            ",",
            ";",
            "{",
            "}",
            "[",
            "]",
            "if",
            "else",
            "elseif",
            "endif",
            ":",
            "function",
            "class",
            "fn",
            "=>",
            "$table_prefix",
            "=",
            ".=",
            "??=",
            ".",
            "-",
            "+",
            "1",
            "0x1F",
            "1e5",
            "089",
            "1_0",
            "true",
            "NULL",
            "getenv('X')",
            "__DIR__",
            "'\\''",
            "\"\\u{41}\"",
            "\"\\u{\"",
            "\"$x\"",
            "\"{$a[\"k\"]}\"",
            "<<<EOT\n",
            "<<<'N'\n",
            "\nEOT",
            "\n  N;",
            "\n",
            "\r\n",
            "\r",
            " ",
            "//",
            "#",
            "#[",
            "/*",
            "*/",
            "`",
            "\\",
            "::",
            "->",
            "?",
            "||",
            "or",
            "namespace X;",
            "require_once 'f';",
            "é",
            "\u{feff}",
            "__halt_compiler();",
            "...",
            "constant_name:",
            "value:",
            "'AUTH_KEY'",
        ])
    }

    proptest! {
        #[test]
        fn any_text_parses_or_fails_without_panicking(src in any::<String>()) {
            if let Ok(config) = WpConfig::parse(&src) {
                exercise(&config);
            }
        }

        #[test]
        fn any_bytes_parse_or_fail_without_panicking(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            let src = String::from_utf8_lossy(&bytes);
            if let Ok(config) = WpConfig::parse(&src) {
                exercise(&config);
            }
        }

        #[test]
        fn php_like_fragments_parse_or_fail_without_panicking(
            parts in prop::collection::vec(fragment(), 0..64)
        ) {
            let src = parts.concat();
            if let Ok(config) = WpConfig::parse(&src) {
                exercise(&config);
            }
        }
    }
}
