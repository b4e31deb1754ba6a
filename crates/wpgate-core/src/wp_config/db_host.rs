//! `DB_HOST` as WordPress and mysqli read it: `wpdb::parse_db_host()` (wp-includes/class-wpdb.php)
//! followed by how `mysqli_real_connect()` (mysqlnd) chooses between TCP and a Unix socket.

use std::fmt;

/// How WordPress reaches its database, decoded from `DB_HOST`.
///
/// WordPress splits `DB_HOST` into host, port and socket with `wpdb::parse_db_host()`; mysqli
/// (mysqlnd) then connects through a Unix socket when the host is `localhost` (any case) or
/// empty, and over TCP otherwise, ignoring the socket path. This type is the result of both
/// steps, so a Rust client that follows it talks to the same server WordPress does.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DbHost {
    /// TCP to a host name, IPv4 address or IPv6 address (without brackets). `port` is `None`
    /// when none was given (or it was `0`): mysqli then uses `mysqli.default_port`, normally 3306.
    Tcp {
        /// Host name or address, exactly as WordPress passes it to mysqli (unbracketed IPv6).
        host: String,
        /// The TCP port, if `DB_HOST` named one.
        port: Option<u16>,
    },
    /// A Unix socket path: `localhost:/run/mysqld/mysqld.sock` or `:/tmp/mysql.sock`.
    Socket(String),
    /// `localhost` (or an empty host) without a socket path: mysqli connects to its default
    /// Unix socket (`mysqli.default_socket`, else the client library's compiled-in path).
    ///
    /// mysqli ignores any port here (`localhost:3307` still uses the socket), which is why sites
    /// that need TCP to the local machine write `127.0.0.1:3307`. Note that a bare path such as
    /// `/tmp/mysql.sock` also lands here: `parse_db_host()` only recognises a socket after `:`.
    DefaultSocket,
}

/// Why a `DB_HOST` value cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DbHostError {
    /// The port is above 65535 (WordPress passes it on and the connection fails).
    #[error("port {port} is out of range (1-65535)")]
    PortOutOfRange {
        /// The port digits as written.
        port: String,
    },
}

impl DbHost {
    /// Decodes a `DB_HOST` value exactly as `wpdb::db_connect()` and mysqli do.
    ///
    /// Accepted forms: `host`, `host:port`, `localhost:/path/to.sock`, `:/path.sock`,
    /// `host:port:/path.sock`, `[::1]:3307`, `[::1]`, bare IPv6 (`::1`, no port possible).
    /// WordPress's quirks are kept: a bare `/path.sock` is an empty host (so the default socket),
    /// port `0` means no port, a host `0` counts as empty (PHP `empty()`), and text that the
    /// IPv6 pattern rejects (`g::h`) is passed to mysqli unchanged.
    ///
    /// # Errors
    /// [`DbHostError::PortOutOfRange`] for a port above 65535.
    ///
    /// # Examples
    /// ```
    /// use wpgate_core::wp_config::DbHost;
    /// assert_eq!(
    ///     DbHost::parse("[::1]:3307").unwrap(),
    ///     DbHost::Tcp { host: "::1".into(), port: Some(3307) }
    /// );
    /// assert_eq!(
    ///     DbHost::parse("localhost:/run/mysqld/mysqld.sock").unwrap(),
    ///     DbHost::Socket("/run/mysqld/mysqld.sock".into())
    /// );
    /// assert_eq!(DbHost::parse("localhost").unwrap(), DbHost::DefaultSocket);
    /// ```
    #[doc(alias = "parse_db_host")]
    pub fn parse(db_host: &str) -> Result<DbHost, DbHostError> {
        let parts = parse_db_host(db_host)?;
        let local = parts.host.is_empty() || parts.host.eq_ignore_ascii_case("localhost");
        Ok(match (local, parts.socket) {
            (true, Some(path)) => DbHost::Socket(path.to_owned()),
            (true, None) => DbHost::DefaultSocket,
            (false, _) => DbHost::Tcp { host: parts.host.to_owned(), port: parts.port },
        })
    }
}

impl fmt::Display for DbHost {
    /// A form that [`DbHost::parse`] reads back to the same value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbHost::Tcp { host, port } => {
                let bracketed = host.contains(':');
                match (bracketed, port) {
                    (true, Some(port)) => write!(f, "[{host}]:{port}"),
                    (true, None) => write!(f, "[{host}]"),
                    (false, Some(port)) => write!(f, "{host}:{port}"),
                    (false, None) => f.write_str(host),
                }
            }
            DbHost::Socket(path) => write!(f, "localhost:{path}"),
            DbHost::DefaultSocket => f.write_str("localhost"),
        }
    }
}

/// The four values `wpdb::parse_db_host()` returns.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Parts<'a> {
    host: &'a str,
    port: Option<u16>,
    socket: Option<&'a str>,
}

/// `wpdb::parse_db_host()`, including the fallback of `db_connect()` when it returns false
/// (the whole value becomes the host).
fn parse_db_host(raw: &str) -> Result<Parts<'_>, DbHostError> {
    // Peel the socket off first: everything after the first `:/`.
    let (host, socket) = match raw.find(":/") {
        Some(at) => (raw.get(..at).unwrap_or_default(), raw.get(at + 1..)),
        None => (raw, None),
    };

    let (name, rest) = if host.matches(':').count() > 1 {
        // IPv6: `#^(?:\[)?(?P<host>[0-9a-fA-F:]+)(?:\]:(?P<port>[\d]+))?#`
        let inner = host.strip_prefix('[').unwrap_or(host);
        let len = inner.bytes().take_while(|c| c.is_ascii_hexdigit() || *c == b':').count();
        if len == 0 {
            // preg_match fails; db_connect() keeps the raw value as the host.
            return Ok(Parts { host: raw, port: None, socket: None });
        }
        let (name, rest) = inner.split_at_checked(len).unwrap_or((inner, ""));
        (name, rest.strip_prefix("]:"))
    } else {
        // `#^(?P<host>[^:/]*)(?::(?P<port>[\d]+))?#`
        let len = host.bytes().take_while(|c| *c != b':' && *c != b'/').count();
        let (name, rest) = host.split_at_checked(len).unwrap_or((host, ""));
        (name, rest.strip_prefix(':'))
    };

    let digits = rest.map_or("", |r| {
        let len = r.bytes().take_while(u8::is_ascii_digit).count();
        r.get(..len).unwrap_or_default()
    });
    // `! empty( $matches['port'] ) ? absint( … ) : null`: "" and "0" are empty, "00" is 0.
    let port = if digits.is_empty() || digits == "0" {
        None
    } else {
        match digits.trim_start_matches('0') {
            "" => None,
            significant => match significant.parse::<u16>() {
                Ok(port) => Some(port),
                Err(_) => {
                    return Err(DbHostError::PortOutOfRange { port: digits.to_owned() });
                }
            },
        }
    };
    // `! empty( $matches['host'] )`: PHP's empty() is also true for "0".
    let name = if name == "0" { "" } else { name };
    Ok(Parts { host: name, port, socket })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(raw: &str) -> (String, Option<u16>, Option<String>) {
        let p = parse_db_host(raw).unwrap();
        (p.host.to_owned(), p.port, p.socket.map(str::to_owned))
    }

    fn tcp(host: &str, port: Option<u16>) -> DbHost {
        DbHost::Tcp { host: host.to_owned(), port }
    }

    #[test]
    fn parse_db_host_matches_wordpress_on_every_documented_form() {
        // Expected values printed by WordPress 6.1's wpdb::parse_db_host() under PHP 8.2.
        let cases: &[(&str, &str, Option<u16>, Option<&str>)] = &[
            ("localhost", "localhost", None, None),
            ("db.example.com", "db.example.com", None, None),
            ("db:3307", "db", Some(3307), None),
            ("127.0.0.1:3307", "127.0.0.1", Some(3307), None),
            (
                "localhost:/var/run/mysqld/mysqld.sock",
                "localhost",
                None,
                Some("/var/run/mysqld/mysqld.sock"),
            ),
            (":/tmp/my.sock", "", None, Some("/tmp/my.sock")),
            ("/tmp/my.sock", "", None, None),
            ("[::1]:3307", "::1", Some(3307), None),
            ("[::1]", "::1", None, None),
            ("::1", "::1", None, None),
            ("2001:db8::1", "2001:db8::1", None, None),
            ("localhost:3307:/tmp/s.sock", "localhost", Some(3307), Some("/tmp/s.sock")),
            ("127.0.0.1:/tmp/s.sock", "127.0.0.1", None, Some("/tmp/s.sock")),
            ("[::1]:/tmp/s.sock", "::1", None, Some("/tmp/s.sock")),
            ("g::h", "g::h", None, None),
            ("", "", None, None),
            ("0", "", None, None),
            ("0:3306", "", Some(3306), None),
            ("db:0", "db", None, None),
            ("db:00", "db", None, None),
            ("db:3307abc", "db", Some(3307), None),
            ("db:abc", "db", None, None),
            ("[::1]:", "::1", None, None),
            ("::1:3307", "::1:3307", None, None),
            ("[fe80::1%eth0]:3306", "fe80::1", None, None),
            ("LOCALHOST", "LOCALHOST", None, None),
            ("db:/x", "db", None, Some("/x")),
        ];
        for (raw, host, port, socket) in cases {
            assert_eq!(
                parts(raw),
                ((*host).to_owned(), *port, socket.map(str::to_owned)),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn localhost_means_a_unix_socket_like_mysqli() {
        assert_eq!(DbHost::parse("localhost").unwrap(), DbHost::DefaultSocket);
        assert_eq!(DbHost::parse("LocalHost").unwrap(), DbHost::DefaultSocket);
        assert_eq!(DbHost::parse("localhost:3307").unwrap(), DbHost::DefaultSocket);
        assert_eq!(DbHost::parse("").unwrap(), DbHost::DefaultSocket);
        assert_eq!(DbHost::parse("/tmp/my.sock").unwrap(), DbHost::DefaultSocket);
        assert_eq!(
            DbHost::parse("localhost:/run/mysqld/mysqld.sock").unwrap(),
            DbHost::Socket("/run/mysqld/mysqld.sock".into())
        );
        assert_eq!(DbHost::parse(":/tmp/my.sock").unwrap(), DbHost::Socket("/tmp/my.sock".into()));
        assert_eq!(
            DbHost::parse("localhost:3307:/tmp/s.sock").unwrap(),
            DbHost::Socket("/tmp/s.sock".into())
        );
    }

    #[test]
    fn other_hosts_use_tcp_and_ignore_a_socket() {
        assert_eq!(DbHost::parse("db:3307").unwrap(), tcp("db", Some(3307)));
        assert_eq!(DbHost::parse("127.0.0.1").unwrap(), tcp("127.0.0.1", None));
        assert_eq!(DbHost::parse("127.0.0.1:/tmp/s.sock").unwrap(), tcp("127.0.0.1", None));
        assert_eq!(DbHost::parse("[::1]:3307").unwrap(), tcp("::1", Some(3307)));
        assert_eq!(DbHost::parse("::1").unwrap(), tcp("::1", None));
        assert_eq!(DbHost::parse("g::h").unwrap(), tcp("g::h", None));
    }

    #[test]
    fn a_port_above_65535_is_an_error() {
        assert_eq!(
            DbHost::parse("db:99999"),
            Err(DbHostError::PortOutOfRange { port: "99999".into() })
        );
        assert!(DbHost::parse("db:65535").is_ok());
        assert!(DbHost::parse("db:000000000000000000000003306").is_ok());
    }

    #[test]
    fn display_reads_back_to_the_same_value() {
        for raw in ["db:3307", "[::1]:3307", "::1", "localhost", ":/tmp/x.sock", "example.org"] {
            let host = DbHost::parse(raw).unwrap();
            assert_eq!(DbHost::parse(&host.to_string()).unwrap(), host, "{raw}");
        }
    }
}
