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
//! Which constants matter and how WordPress uses them: `/shared/spec/wordpress-auth.md` §1
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
            WpConfigError::Syntax {
                file: file.to_owned(),
                line,
                column,
                kind,
            }
        };
        let tokens = lexer::tokenize(src).map_err(|e| syntax(e.offset, e.kind))?;
        let parsed = parser::parse(src, &tokens, &lines).map_err(|e| syntax(e.offset, e.kind))?;
        Ok(WpConfig {
            file: file.to_owned(),
            parsed,
        })
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
        std::str::from_utf8(bytes)
            .map(Some)
            .map_err(|_| WpConfigError::NotUtf8 {
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
                hint: self.missing_hint("$table_prefix"),
            });
        };
        let Some(bytes) = definition.php_bytes() else {
            return Err(self.not_literal(definition, "WPGATE_TABLE_PREFIX".to_owned()));
        };
        match std::str::from_utf8(bytes) {
            Ok(prefix)
                if prefix
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'_') =>
            {
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
            hint: self.missing_hint(name),
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
    fn missing_hint(&self, name: &str) -> String {
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
        if let Some(shadowed) = self.parsed.shadowed.iter().find(|d| d.name == name) {
            return format!(" (line {} defines it too late)", shadowed.line);
        }
        let loader = self
            .parsed
            .includes
            .iter()
            .find(|i| !i.source.contains("wp-settings.php"));
        match loader {
            Some(include) => format!(
                " (it may come from the file included at line {}: {})",
                include.line,
                include
                    .source
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
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
    pub(crate) fn new(
        name: String,
        value: Value,
        line: usize,
        column: usize,
        conditional: bool,
        shown: String,
    ) -> Self {
        let cast = match &value {
            Value::String(_) | Value::NonLiteral { .. } => Vec::new(),
            other => other
                .to_php_string()
                .map(Cow::into_owned)
                .unwrap_or_default(),
        };
        Definition {
            name,
            value,
            line,
            column,
            conditional,
            cast,
            shown,
        }
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
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("WPGATE_{tail}")
}

/// Names whose values must not be shown: the salts, `DB_PASSWORD`, and by the same words
/// anything a plugin adds (`WP_REDIS_PASSWORD`, `JWT_AUTH_SECRET_KEY`, `S3_UPLOADS_KEY`).
/// Masking a harmless value by mistake costs nothing.
fn looks_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    [
        "PASS",
        "SECRET",
        "KEY",
        "SALT",
        "TOKEN",
        "PRIVATE",
        "CREDENTIAL",
        "AUTH",
    ]
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
