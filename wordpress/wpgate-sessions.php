<?php
/**
 * Plugin Name: wpgate sessions
 * Description: Keeps WordPress session tokens in Redis (the layout of wpgate's docs/redis-layout.md, version 1), so PHP WordPress and wpgate share one login. Fails closed when Redis is unavailable.
 * Version: 1.0.0
 * Requires at least: 4.7
 * Requires PHP: 7.2
 * License: MIT OR Apache-2.0
 *
 * Install: copy this one file into wp-content/mu-plugins/. Settings (a wp-config.php constant,
 * else an environment variable of the same name, else the default; the defaults are wpgate's):
 *
 *   WPGATE_REDIS_URL        redis://[user:pass@]host:port/db, rediss://... (TLS, "#insecure" to
 *                           skip certificate checks) or unix:///path/redis.sock?db=N
 *                           default redis://127.0.0.1:6379/0
 *   WPGATE_REDIS_PREFIX     key prefix, without "{" or "}"              default wpgate:
 *   WPGATE_REDIS_TIMEOUT    connect and read timeout in seconds          default 1
 *   WPGATE_COOKIE_SAMESITE  Lax, Strict or None: adds SameSite to WordPress's auth cookies
 *   WPGATE_COOKIE_DOMAIN    Domain attribute for WordPress's auth cookies (else COOKIE_DOMAIN)
 *
 * Model. WordPress stores the sessions of a user (WP_Session_Tokens) as one serialized array in
 * the `session_tokens` user meta; this drop-in swaps that storage, through the
 * `session_token_manager` filter, for two Redis keys per session and per user:
 *
 *   P{U}:session:V   string: serialize($session), byte for byte what WordPress would store for
 *                    that verifier; expires at expiration + 1
 *   P{U}:sessions    sorted set: member V, score = expiration; expires at max(score) + 1
 *
 * (P = prefix, U = user ID, V = sha256(token) in hex.) Every write is one Lua script on the
 * user's hash-tagged slot, the same scripts wpgate runs, so either side can create, verify and
 * destroy the other's sessions. User changes (password, email, roles, deletion) are announced on
 * the channel P . "events" as "user:U", session destruction as "sessions:U".
 *
 * Fail closed: if Redis cannot be reached (or the phpredis extension or a setting is missing or
 * wrong), no session verifies, so no auth cookie is accepted, and a login is refused with
 * "Sessions are unavailable" before any cookie is sent. One line goes to error_log per request;
 * nothing throws into WordPress.
 *
 * @package wpgate
 */

defined( 'ABSPATH' ) || exit;

/**
 * The Redis side: settings, one lazy connection per request, the layout's scripts, events.
 *
 * Every method that talks to Redis catches everything (RedisException and any other Throwable),
 * records the failure once per request and reports it as a result: callers never see an
 * exception.
 */
final class WPGate_Sessions {

	/** Version of docs/redis-layout.md implemented here. */
	const LAYOUT_VERSION = 1;

	/** The scripts of docs/redis-layout.md, verbatim. */
	const SCRIPTS = array(
		'update'         => <<<'LUA'
-- update: KEYS[1] = P{U}:sessions, KEYS[2] = P{U}:session:V
-- ARGV[1] = V, ARGV[2] = record bytes, ARGV[3] = expiration, ARGV[4] = now
local exp = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
if exp < now then
  -- WordPress stores an already-expired session invisibly; here it is simply not kept.
  redis.call('DEL', KEYS[2])
  redis.call('ZREM', KEYS[1], ARGV[1])
else
  redis.call('SET', KEYS[2], ARGV[2], 'EXAT', exp + 1)
  redis.call('ZADD', KEYS[1], exp, ARGV[1])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. now)
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then
  redis.call('EXPIREAT', KEYS[1], tonumber(last[2]) + 1)
else
  redis.call('DEL', KEYS[1])
end
return 1
LUA
		,
		'destroy'        => <<<'LUA'
-- destroy: KEYS[1] = P{U}:sessions, KEYS[2] = P{U}:session:V ; ARGV[1] = V
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('DEL', KEYS[1]) end
return 1
LUA
		,
		'destroy_others' => <<<'LUA'
-- destroy_others: KEYS[1] = P{U}:sessions ; ARGV[1] = key prefix "P{U}:session:", ARGV[2] = V to keep
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
for _, v in ipairs(members) do
  if v ~= ARGV[2] then
    redis.call('DEL', ARGV[1] .. v)
    redis.call('ZREM', KEYS[1], v)
  end
end
return 1
LUA
		,
		'destroy_all'    => <<<'LUA'
-- destroy_all: KEYS[1] = P{U}:sessions ; ARGV[1] = key prefix "P{U}:session:"
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
for _, v in ipairs(members) do redis.call('DEL', ARGV[1] .. v) end
redis.call('DEL', KEYS[1])
return #members
LUA
		,
		'list'           => <<<'LUA'
-- list: KEYS[1] = P{U}:sessions ; ARGV[1] = key prefix "P{U}:session:", ARGV[2] = now
local members = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[2], '+inf')
local out = {}
for _, v in ipairs(members) do
  local rec = redis.call('GET', ARGV[1] .. v)
  if rec then table.insert(out, v); table.insert(out, rec) end
end
return out
LUA
		,
	);

	/** @var array|null Parsed settings (null until first use). */
	private static $settings = null;

	/** @var string|null Why the settings are unusable (null when they are fine). */
	private static $settings_error = null;

	/** @var Redis|null The connection of this request. */
	private static $redis = null;

	/** @var string|null Why Redis is unavailable in this request (sticky: no retry storm). */
	private static $failure = null;

	/** @var bool Whether the failure line was written to error_log already. */
	private static $logged = false;

	/** @var bool Whether this request's connection answered a PING. */
	private static $pinged = false;

	// ------------------------------------------------------------------------------------------
	// Settings.

	/**
	 * A setting: the wp-config.php constant, else the environment variable, else $default.
	 *
	 * @param string $name    Constant / variable name.
	 * @param mixed  $default Value when neither is set.
	 * @return mixed
	 */
	public static function setting( $name, $default = null ) {
		if ( defined( $name ) ) {
			return constant( $name );
		}
		$env = getenv( $name );
		if ( false !== $env && '' !== $env ) {
			return $env;
		}
		return $default;
	}

	/**
	 * The parsed Redis settings, or null when they are unusable (the reason is then logged).
	 *
	 * @return array|null
	 */
	public static function settings() {
		if ( null === self::$settings && null === self::$settings_error ) {
			try {
				self::$settings = self::parse_settings();
			} catch ( \Throwable $e ) {
				self::$settings_error = $e->getMessage();
			}
		}
		if ( null !== self::$settings_error ) {
			self::fail( self::$settings_error );
			return null;
		}
		return self::$settings;
	}

	/**
	 * The key prefix P (validated), or null when the settings are unusable.
	 *
	 * @return string|null
	 */
	public static function prefix() {
		$s = self::settings();
		return null === $s ? null : $s['prefix'];
	}

	/**
	 * Parses `redis://[user:pass@]host:port/db`, `rediss://…` (TLS; a `#insecure` fragment skips
	 * certificate checks, as in the Rust redis crate) and `unix:///path?db=N`.
	 *
	 * @param string $url The URL.
	 * @return array host, port, user, pass, db, tls, insecure, display (no secrets).
	 * @throws InvalidArgumentException When the URL cannot be used.
	 */
	public static function parse_redis_url( $url ) {
		$bad = function ( $why ) {
			// Never echo the URL itself: it may carry a password.
			return new InvalidArgumentException( 'WPGATE_REDIS_URL is not usable: ' . $why );
		};
		if ( ! is_string( $url ) || '' === $url ) {
			throw $bad( 'empty' );
		}
		if ( preg_match( '~^(?:redis\+)?unix:(?://)?(/[^?#]*)(?:\?([^#]*))?~i', $url, $m ) ) {
			// parse_url() refuses "unix:///path": take it apart by hand.
			$parts = array(
				'scheme' => 'unix',
				'path'   => $m[1],
			);
			if ( isset( $m[2] ) && '' !== $m[2] ) {
				$parts['query'] = $m[2];
			}
		} else {
			$parts = parse_url( $url );
		}
		if ( false === $parts || empty( $parts['scheme'] ) ) {
			throw $bad( 'expected redis://[user:pass@]host:port/db, rediss://... or unix:///path' );
		}
		$scheme = strtolower( $parts['scheme'] );
		$out    = array(
			'user'     => isset( $parts['user'] ) ? rawurldecode( $parts['user'] ) : '',
			'pass'     => isset( $parts['pass'] ) ? rawurldecode( $parts['pass'] ) : '',
			'db'       => 0,
			'tls'      => false,
			'insecure' => isset( $parts['fragment'] ) && 'insecure' === $parts['fragment'],
		);
		$query = array();
		if ( isset( $parts['query'] ) ) {
			parse_str( $parts['query'], $query );
		}
		if ( 'unix' === $scheme || 'redis+unix' === $scheme ) {
			if ( empty( $parts['path'] ) ) {
				throw $bad( 'unix:// needs a socket path' );
			}
			$out['host']    = $parts['path'];
			$out['port']    = 0;
			$out['display'] = 'unix:' . $parts['path'];
			$db             = isset( $query['db'] ) ? (string) $query['db'] : '0';
			// As the Rust redis crate reads them: redis+unix:///path?db=N&user=U&pass=P.
			$out['user'] = isset( $query['user'] ) ? (string) $query['user'] : '';
			$out['pass'] = isset( $query['pass'] ) ? (string) $query['pass'] : '';
		} elseif ( 'redis' === $scheme || 'rediss' === $scheme ) {
			if ( empty( $parts['host'] ) ) {
				throw $bad( 'no host' );
			}
			// parse_url keeps the brackets of an IPv6 literal; phpredis adds its own.
			$out['host']    = trim( $parts['host'], '[]' );
			$out['port']    = isset( $parts['port'] ) ? (int) $parts['port'] : 6379;
			$out['tls']     = 'rediss' === $scheme;
			$out['display'] = $scheme . '://' . $parts['host'] . ':' . $out['port'];
			$path           = isset( $parts['path'] ) ? trim( $parts['path'], '/' ) : '';
			$db             = '' === $path ? ( isset( $query['db'] ) ? (string) $query['db'] : '0' ) : $path;
		} else {
			throw $bad( 'unsupported scheme "' . $scheme . '"' );
		}
		if ( ! ctype_digit( $db ) ) {
			throw $bad( 'the database must be a number' );
		}
		$out['db'] = (int) $db;
		return $out;
	}

	/**
	 * Reads and checks every setting.
	 *
	 * @return array
	 * @throws InvalidArgumentException When a setting is unusable.
	 */
	private static function parse_settings() {
		$s = self::parse_redis_url( (string) self::setting( 'WPGATE_REDIS_URL', 'redis://127.0.0.1:6379/0' ) );

		$prefix = (string) self::setting( 'WPGATE_REDIS_PREFIX', 'wpgate:' );
		if ( false !== strpbrk( $prefix, '{}' ) ) {
			// The user ID between braces is the Redis Cluster hash tag of every key.
			throw new InvalidArgumentException( 'WPGATE_REDIS_PREFIX must not contain "{" or "}"' );
		}
		$s['prefix'] = $prefix;

		$timeout = self::setting( 'WPGATE_REDIS_TIMEOUT', 1 );
		if ( ! is_numeric( $timeout ) || (float) $timeout <= 0 ) {
			throw new InvalidArgumentException( 'WPGATE_REDIS_TIMEOUT must be a positive number of seconds' );
		}
		$s['timeout'] = (float) $timeout;

		if ( ! class_exists( 'Redis' ) ) {
			throw new RuntimeException( 'the phpredis extension (php-redis) is not loaded' );
		}
		return $s;
	}

	// ------------------------------------------------------------------------------------------
	// Connection and failure.

	/**
	 * The connection of this request, or null when Redis is unavailable (already logged).
	 *
	 * @return Redis|null
	 */
	public static function redis() {
		if ( null !== self::$redis ) {
			return self::$redis;
		}
		if ( null !== self::$failure ) {
			return null;
		}
		$s = self::settings();
		if ( null === $s ) {
			return null;
		}
		try {
			$redis   = new Redis();
			$host    = $s['tls'] ? 'tls://' . $s['host'] : $s['host'];
			$context = null;
			if ( $s['tls'] && $s['insecure'] ) {
				$context = array(
					'stream' => array(
						'verify_peer'      => false,
						'verify_peer_name' => false,
					),
				);
			}
			// phpredis reports TLS problems as PHP warnings before it fails: keep them out of
			// the page and the log, and put the first one into our single log line instead.
			$warning = null;
			set_error_handler(
				function ( $no, $message ) use ( &$warning ) {
					if ( null === $warning ) {
						$warning = preg_replace( '/\s+/', ' ', $message );
					}
					return true;
				}
			);
			try {
				$ok = null === $context
					? $redis->connect( $host, $s['port'], $s['timeout'], null, 0, $s['timeout'] )
					: $redis->connect( $host, $s['port'], $s['timeout'], null, 0, $s['timeout'], $context );
			} catch ( \Throwable $e ) {
				throw new RuntimeException( $e->getMessage() . ( null !== $warning ? ': ' . $warning : '' ), 0, $e );
			} finally {
				restore_error_handler();
			}
			if ( ! $ok ) {
				throw new RuntimeException( null !== $warning ? $warning : 'connect failed' );
			}
			$redis->setOption( Redis::OPT_READ_TIMEOUT, $s['timeout'] );
			$redis->setOption( Redis::OPT_SERIALIZER, Redis::SERIALIZER_NONE );
			$redis->setOption( Redis::OPT_PREFIX, '' );
			$redis->setOption( Redis::OPT_SCAN, Redis::SCAN_RETRY );
			if ( '' !== $s['pass'] ) {
				$auth = '' !== $s['user'] ? array( $s['user'], $s['pass'] ) : $s['pass'];
				if ( ! $redis->auth( $auth ) ) {
					throw new RuntimeException( 'authentication failed' );
				}
			}
			if ( 0 !== $s['db'] && ! $redis->select( $s['db'] ) ) {
				throw new RuntimeException( 'cannot select database ' . $s['db'] );
			}
			self::$redis = $redis;
			return $redis;
		} catch ( \Throwable $e ) {
			self::fail( 'Redis at ' . $s['display'] . ' is unavailable (' . $e->getMessage() . ')' );
			return null;
		}
	}

	/**
	 * Whether sessions can be stored and verified now (connects and pings once per request).
	 *
	 * @return bool
	 */
	public static function available() {
		$redis = self::redis();
		if ( null === $redis ) {
			return false;
		}
		if ( ! self::$pinged ) {
			try {
				$redis->ping();
				self::$pinged = true;
			} catch ( \Throwable $e ) {
				$s = self::settings();
				self::fail( 'Redis at ' . $s['display'] . ' does not answer (' . $e->getMessage() . ')' );
				return false;
			}
		}
		return true;
	}

	/**
	 * Marks Redis unavailable for the rest of the request; logs the first reason once.
	 *
	 * @param string $why What failed (never contains a token, a record or a password).
	 */
	public static function fail( $why ) {
		if ( null === self::$failure ) {
			self::$failure = $why;
		}
		self::$redis = null;
		if ( ! self::$logged ) {
			self::$logged = true;
			error_log( 'wpgate-sessions: ' . $why . '; until it works again no login cookie is accepted and nobody can log in (fail closed)' );
		}
	}

	/**
	 * Why Redis is unavailable in this request, or null.
	 *
	 * @return string|null
	 */
	public static function failure() {
		return self::$failure;
	}

	/** Forgets the connection and any failure (tests; long-running CLI processes). */
	public static function reset() {
		if ( null !== self::$redis ) {
			try {
				self::$redis->close();
			} catch ( \Throwable $e ) {
				// Closing a broken connection: nothing to do.
				unset( $e );
			}
		}
		self::$redis          = null;
		self::$pinged         = false;
		self::$failure        = null;
		self::$logged         = false;
		self::$settings       = null;
		self::$settings_error = null;
	}

	// ------------------------------------------------------------------------------------------
	// Commands.

	/**
	 * Runs $fn( Redis ) and returns its result, or $failed when Redis is unavailable or fails.
	 *
	 * @param string   $what   What is being done, for the log line.
	 * @param callable $fn     The commands.
	 * @param mixed    $failed Result on failure.
	 * @return mixed
	 */
	public static function run( $what, $fn, $failed = null ) {
		$redis = self::redis();
		if ( null === $redis ) {
			return $failed;
		}
		try {
			$redis->clearLastError();
			$result = $fn( $redis );
			$error  = $redis->getLastError();
			if ( null !== $error ) {
				// An error reply (e.g. MOVED from a cluster, NOPERM from an ACL): no usable answer.
				throw new RuntimeException( $error );
			}
			return $result;
		} catch ( \Throwable $e ) {
			self::fail( $what . ' failed (' . $e->getMessage() . ')' );
			return $failed;
		}
	}

	/**
	 * Runs one of the layout's scripts (EVALSHA, then EVAL when Redis does not know it yet).
	 *
	 * @param Redis    $redis The connection.
	 * @param string   $name  A key of SCRIPTS.
	 * @param string[] $keys  KEYS.
	 * @param array    $argv  ARGV.
	 * @return mixed The script's reply.
	 * @throws RuntimeException When the script fails.
	 */
	public static function script( $redis, $name, array $keys, array $argv ) {
		$source = self::SCRIPTS[ $name ];
		$args   = array_merge( $keys, array_map( 'strval', $argv ) );
		$redis->clearLastError();
		$result = $redis->evalSha( sha1( $source ), $args, count( $keys ) );
		$error  = $redis->getLastError();
		if ( false === $result && null !== $error && 0 === strpos( $error, 'NOSCRIPT' ) ) {
			$redis->clearLastError();
			$result = $redis->eval( $source, $args, count( $keys ) );
			$error  = $redis->getLastError();
		}
		if ( false === $result && null !== $error ) {
			throw new RuntimeException( 'script ' . $name . ': ' . $error );
		}
		return $result;
	}

	/**
	 * Publishes a message on P . "events"; failures are logged, never raised.
	 *
	 * @param string $message "user:U" or "sessions:U".
	 * @return bool Whether it was published.
	 */
	public static function publish( $message ) {
		$prefix = self::prefix();
		if ( null === $prefix ) {
			return false;
		}
		return false !== self::run(
			'publishing ' . $message,
			function ( $redis ) use ( $prefix, $message ) {
				return $redis->publish( $prefix . 'events', $message );
			},
			false
		);
	}

	/**
	 * Announces that a user changed (password, email, roles, deletion).
	 *
	 * @param int|WP_User $user_id The user (hooks pass either).
	 */
	public static function user_changed( $user_id ) {
		if ( is_object( $user_id ) ) {
			$user_id = isset( $user_id->ID ) ? $user_id->ID : 0;
		}
		$user_id = (int) $user_id;
		if ( $user_id > 0 ) {
			self::publish( 'user:' . $user_id );
		}
	}

	// ------------------------------------------------------------------------------------------
	// Hooks.

	/** Registers the session manager, the fail-closed login check, events and cookie options. */
	public static function register() {
		add_filter(
			'session_token_manager',
			function () {
				return 'WPGate_Redis_Session_Tokens';
			},
			PHP_INT_MAX
		);
		add_filter( 'authenticate', array( __CLASS__, 'refuse_login_without_sessions' ), PHP_INT_MAX, 1 );

		// User changes that invalidate cookies (the password hash is in the cookie HMAC) or
		// change what a cookie grants (roles), for wpgate's user cache.
		add_action( 'profile_update', array( __CLASS__, 'on_profile_update' ), 10, 2 );
		add_action( 'clean_user_cache', array( __CLASS__, 'on_clean_user_cache' ), 10, 2 );
		foreach ( array(
			'set_user_role',
			'add_user_role',
			'remove_user_role',
			'wp_set_password',
			'after_password_reset',
			'granted_super_admin',
			'revoked_super_admin',
			'add_user_to_blog',
			'remove_user_from_blog',
		) as $hook ) {
			add_action( $hook, array( __CLASS__, 'on_user_hook_' . ( 'wp_set_password' === $hook ? 'second' : 'first' ) ), 10, 2 );
		}
		add_action( 'password_reset', array( __CLASS__, 'on_password_reset' ), 10, 1 );
		add_action( 'delete_user', array( __CLASS__, 'on_user_hook_first' ), 10, 1 );
		add_action( 'deleted_user', array( __CLASS__, 'on_deleted_user' ), 10, 1 );

		WPGate_Auth_Cookies::register();
	}

	/**
	 * `authenticate`, last: a correct password still gets no session while Redis is down.
	 *
	 * API requests (XML-RPC, REST with application passwords) need no session and are left alone.
	 *
	 * @param WP_User|WP_Error|null $user The result so far.
	 * @return WP_User|WP_Error|null
	 */
	public static function refuse_login_without_sessions( $user ) {
		if ( ! ( $user instanceof WP_User ) ) {
			return $user;
		}
		if ( ( defined( 'XMLRPC_REQUEST' ) && XMLRPC_REQUEST ) || ( defined( 'REST_REQUEST' ) && REST_REQUEST ) ) {
			return $user;
		}
		if ( self::available() ) {
			return $user;
		}
		return new WP_Error(
			'wpgate_sessions_unavailable',
			__( '<strong>Error:</strong> Sessions are unavailable, so nobody can log in right now. Please try again in a few minutes.' )
		);
	}

	/**
	 * `profile_update`: announce when the password or the email changed.
	 *
	 * @param int     $user_id       The user.
	 * @param WP_User $old_user_data The user before the update.
	 */
	public static function on_profile_update( $user_id, $old_user_data = null ) {
		$new = get_userdata( $user_id );
		if ( ! $new || ! is_object( $old_user_data )
			|| $old_user_data->user_pass !== $new->user_pass
			|| $old_user_data->user_email !== $new->user_email ) {
			self::user_changed( $user_id );
		}
	}

	/**
	 * `clean_user_cache`: catches password and email writes that fire no other hook (for
	 * example `wp_set_password()` before WordPress 6.2) by comparing the cached row being
	 * dropped with the database.
	 *
	 * @param int     $user_id The user.
	 * @param WP_User $user    The cached user being dropped.
	 */
	public static function on_clean_user_cache( $user_id, $user = null ) {
		global $wpdb;
		if ( ! is_object( $user ) || ! isset( $user->user_pass ) || ! isset( $wpdb->users ) ) {
			return;
		}
		$row = $wpdb->get_row( $wpdb->prepare( "SELECT user_pass, user_email FROM {$wpdb->users} WHERE ID = %d", $user_id ) );
		if ( ! $row || $row->user_pass !== $user->user_pass || $row->user_email !== $user->user_email ) {
			self::user_changed( $user_id );
		}
	}

	/**
	 * Hooks whose first argument is the user (an ID, or a WP_User for `after_password_reset`).
	 *
	 * @param int|WP_User $user_id The user.
	 */
	public static function on_user_hook_first( $user_id ) {
		self::user_changed( $user_id );
	}

	/**
	 * Hooks whose second argument is the user ID (`wp_set_password`, 6.2+).
	 *
	 * @param mixed $first   Unused (the password).
	 * @param int   $user_id The user.
	 */
	public static function on_user_hook_second( $first, $user_id = 0 ) {
		unset( $first );
		self::user_changed( $user_id );
	}

	/**
	 * `password_reset` (before the new password is stored; `after_password_reset` follows).
	 *
	 * @param WP_User $user The user.
	 */
	public static function on_password_reset( $user ) {
		self::user_changed( $user );
	}

	/**
	 * `deleted_user`: the user meta (with stock sessions) is gone, so are the Redis sessions.
	 *
	 * @param int $user_id The deleted user.
	 */
	public static function on_deleted_user( $user_id ) {
		WPGate_Redis_Session_Tokens::destroy_all_of( (int) $user_id );
		self::user_changed( $user_id );
	}
}

/**
 * WP_Session_Tokens in Redis (docs/redis-layout.md). WordPress calls the public `final` methods
 * of the base class (create, verify, update, destroy, ...), which hash the token and call these.
 */
class WPGate_Redis_Session_Tokens extends WP_Session_Tokens {

	/**
	 * The live sessions of the user, verifier => session, oldest expiration first.
	 *
	 * @return array
	 */
	protected function get_sessions() {
		$keys = $this->keys();
		if ( null === $keys ) {
			return array();
		}
		$now  = time();
		$flat = WPGate_Sessions::run(
			'listing sessions of user ' . $this->user_id,
			function ( $redis ) use ( $keys, $now ) {
				return WPGate_Sessions::script( $redis, 'list', array( $keys['index'] ), array( $keys['record'], $now ) );
			},
			array()
		);
		$sessions = array();
		if ( ! is_array( $flat ) ) {
			return $sessions;
		}
		for ( $i = 0; $i + 1 < count( $flat ); $i += 2 ) {
			$session = self::decode( $flat[ $i + 1 ] );
			if ( null !== $session && $this->is_still_valid( $session ) ) {
				$sessions[ $flat[ $i ] ] = $session;
			}
		}
		return $sessions;
	}

	/**
	 * The live session stored under $verifier, or null.
	 *
	 * @param string $verifier sha256(token) in hex.
	 * @return array|null
	 */
	protected function get_session( $verifier ) {
		$keys = $this->keys();
		if ( null === $keys ) {
			return null;
		}
		$key = $keys['record'] . $verifier;
		$raw = WPGate_Sessions::run(
			'reading a session of user ' . $this->user_id,
			function ( $redis ) use ( $key ) {
				return $redis->get( $key );
			},
			false
		);
		if ( ! is_string( $raw ) ) {
			return null;
		}
		$session = self::decode( $raw );
		if ( null === $session || ! $this->is_still_valid( $session ) ) {
			return null;
		}
		return $session;
	}

	/**
	 * Stores $session under $verifier, or destroys it when $session is empty (as WordPress does).
	 *
	 * @param string     $verifier sha256(token) in hex.
	 * @param array|null $session  The session; empty destroys.
	 */
	protected function update_session( $verifier, $session = null ) {
		$keys = $this->keys();
		if ( null === $keys ) {
			return;
		}
		$now = time();
		if ( $session ) {
			// Byte for byte what WP_User_Meta_Session_Tokens stores: update_user_meta() runs
			// wp_unslash() over the array (so a backslash in the user agent is dropped), then
			// serialize(). A 4.0-style integer is kept as it is, as WordPress keeps it.
			$session    = wp_unslash( $session );
			$record     = serialize( $session );
			$expiration = self::expiration_of( $session );
			WPGate_Sessions::run(
				'storing a session of user ' . $this->user_id,
				function ( $redis ) use ( $keys, $verifier, $record, $expiration, $now ) {
					return WPGate_Sessions::script(
						$redis,
						'update',
						array( $keys['index'], $keys['record'] . $verifier ),
						array( $verifier, $record, $expiration, $now )
					);
				}
			);
			return;
		}
		$done = WPGate_Sessions::run(
			'destroying a session of user ' . $this->user_id,
			function ( $redis ) use ( $keys, $verifier ) {
				return WPGate_Sessions::script( $redis, 'destroy', array( $keys['index'], $keys['record'] . $verifier ), array( $verifier ) );
			}
		);
		if ( null !== $done ) {
			WPGate_Sessions::publish( 'sessions:' . $this->user_id );
		}
	}

	/**
	 * Destroys every session of the user but the one under $verifier (called only while that
	 * one is live: WP_Session_Tokens::destroy_others() destroys all otherwise).
	 *
	 * @param string $verifier The session to keep.
	 */
	protected function destroy_other_sessions( $verifier ) {
		$keys = $this->keys();
		if ( null === $keys ) {
			return;
		}
		$done = WPGate_Sessions::run(
			'destroying other sessions of user ' . $this->user_id,
			function ( $redis ) use ( $keys, $verifier ) {
				return WPGate_Sessions::script( $redis, 'destroy_others', array( $keys['index'] ), array( $keys['record'], $verifier ) );
			}
		);
		if ( null !== $done ) {
			WPGate_Sessions::publish( 'sessions:' . $this->user_id );
		}
	}

	/** Destroys every session of the user. */
	protected function destroy_all_sessions() {
		self::destroy_all_of( $this->user_id );
	}

	/**
	 * Destroys every session of every user of this site (our prefix only, nothing else).
	 *
	 * Single Redis node: SCAN for P{*}:session* and UNLINK what has exactly the layout's shape.
	 */
	public static function drop_sessions() {
		$prefix = WPGate_Sessions::prefix();
		if ( null === $prefix ) {
			return;
		}
		// SCAN's MATCH is a glob: the prefix's own *, ?, [, ] and \ must match literally.
		$pattern = addcslashes( $prefix, '*?[]\\' ) . '{*}:session*';
		$shape   = '/^\{([0-9]+)\}:(?:sessions|session:[^:]+)$/D';
		$users   = WPGate_Sessions::run(
			'dropping all sessions',
			function ( $redis ) use ( $prefix, $pattern, $shape ) {
				$users    = array();
				$iterator = null;
				// OPT_SCAN is SCAN_RETRY: scan() returns false only once the cursor is back to 0.
				while ( false !== ( $keys = $redis->scan( $iterator, $pattern, 1000 ) ) ) {
					$ours = array();
					foreach ( $keys as $key ) {
						if ( 0 === strpos( $key, $prefix ) && preg_match( $shape, substr( $key, strlen( $prefix ) ), $m ) ) {
							$ours[]          = $key;
							$users[ $m[1] ] = true;
						}
					}
					if ( $ours ) {
						$redis->unlink( $ours );
					}
				}
				return array_keys( $users );
			}
		);
		foreach ( (array) $users as $user_id ) {
			WPGate_Sessions::publish( 'sessions:' . $user_id );
		}
	}

	/**
	 * Destroys every session of one user (`destroy_all`; also when a user is deleted).
	 *
	 * @param int $user_id The user.
	 */
	public static function destroy_all_of( $user_id ) {
		$keys = self::keys_of( $user_id );
		if ( null === $keys ) {
			return;
		}
		$done = WPGate_Sessions::run(
			'destroying all sessions of user ' . (int) $user_id,
			function ( $redis ) use ( $keys ) {
				return WPGate_Sessions::script( $redis, 'destroy_all', array( $keys['index'] ), array( $keys['record'] ) );
			}
		);
		if ( null !== $done ) {
			WPGate_Sessions::publish( 'sessions:' . (int) $user_id );
		}
	}

	/**
	 * Decodes a record: the session array (a 4.0-style integer becomes `['expiration' => int]`,
	 * as WP_User_Meta_Session_Tokens::prepare_session does), or null when unusable.
	 *
	 * Objects are not instantiated (a plugin's object in a session stays an incomplete class,
	 * which serializes back to the same bytes).
	 *
	 * @param string $raw The stored bytes.
	 * @return array|null
	 */
	public static function decode( $raw ) {
		$value = @unserialize( $raw, array( 'allowed_classes' => false ) ); // phpcs:ignore
		if ( is_int( $value ) ) {
			return array( 'expiration' => $value );
		}
		if ( ! is_array( $value ) || ! isset( $value['expiration'] ) || ! is_numeric( $value['expiration'] ) ) {
			return null;
		}
		return $value;
	}

	/**
	 * The expiration used for the key's TTL and the index score (0 when there is none: such a
	 * session is invisible in WordPress too, so it is not kept).
	 *
	 * @param mixed $session What update() was given.
	 * @return int
	 */
	private static function expiration_of( $session ) {
		if ( is_int( $session ) ) {
			return $session;
		}
		if ( is_array( $session ) && isset( $session['expiration'] ) && is_numeric( $session['expiration'] ) ) {
			return (int) $session['expiration'];
		}
		return 0;
	}

	/**
	 * This user's keys, or null when the settings are unusable.
	 *
	 * @return array|null index => P{U}:sessions, record => P{U}:session: (append V).
	 */
	private function keys() {
		return self::keys_of( $this->user_id );
	}

	/**
	 * The keys of user $user_id.
	 *
	 * @param int $user_id The user.
	 * @return array|null
	 */
	private static function keys_of( $user_id ) {
		$prefix = WPGate_Sessions::prefix();
		if ( null === $prefix ) {
			return null;
		}
		$tag = $prefix . '{' . (int) $user_id . '}:';
		return array(
			'index'  => $tag . 'sessions',
			'record' => $tag . 'session:',
		);
	}
}

/**
 * Optional SameSite and Domain attributes on WordPress's own auth cookies.
 *
 * Off unless WPGATE_COOKIE_SAMESITE or WPGATE_COOKIE_DOMAIN is set: then stock output is left
 * exactly as it is. When on, wp_set_auth_cookie()/wp_clear_auth_cookie() are allowed to run up
 * to their `send_auth_cookies` filter, which this class answers `false` after sending the same
 * cookies, in the same order, with the same values, paths, expiry and flags, plus the attribute.
 */
final class WPGate_Auth_Cookies {

	/** @var string|null 'Lax', 'Strict' or 'None'. */
	private static $samesite = null;

	/** @var string|null Domain override. */
	private static $domain = null;

	/** @var array|null What wp_set_auth_cookie() is about to send (from its actions). */
	private static $pending = null;

	/** @var bool Whether wp_clear_auth_cookie() is about to send. */
	private static $clearing = false;

	/** @var bool|null Whether the logged_in cookie is secure (last `secure_logged_in_cookie`). */
	private static $secure_logged_in = null;

	/** Hooks in when a setting asks for it. */
	public static function register() {
		$samesite = WPGate_Sessions::setting( 'WPGATE_COOKIE_SAMESITE' );
		$domain   = WPGate_Sessions::setting( 'WPGATE_COOKIE_DOMAIN' );
		if ( null !== $samesite && '' !== $samesite ) {
			$canonical = array(
				'lax'    => 'Lax',
				'strict' => 'Strict',
				'none'   => 'None',
			);
			$key       = strtolower( (string) $samesite );
			if ( ! isset( $canonical[ $key ] ) ) {
				error_log( 'wpgate-sessions: WPGATE_COOKIE_SAMESITE must be Lax, Strict or None; auth cookies are sent unchanged' );
				$samesite = null;
			} else {
				$samesite = $canonical[ $key ];
			}
		} else {
			$samesite = null;
		}
		$domain = ( null !== $domain && '' !== $domain ) ? (string) $domain : null;
		if ( null === $samesite && null === $domain ) {
			return;
		}
		if ( PHP_VERSION_ID < 70300 ) {
			error_log( 'wpgate-sessions: WPGATE_COOKIE_SAMESITE/WPGATE_COOKIE_DOMAIN need PHP 7.3+; auth cookies are sent unchanged' );
			return;
		}
		self::$samesite = $samesite;
		self::$domain   = $domain;

		add_filter( 'secure_logged_in_cookie', array( __CLASS__, 'note_secure_logged_in' ), PHP_INT_MAX, 1 );
		add_action( 'set_auth_cookie', array( __CLASS__, 'note_auth' ), PHP_INT_MAX, 5 );
		add_action( 'set_logged_in_cookie', array( __CLASS__, 'note_logged_in' ), PHP_INT_MAX, 2 );
		add_action( 'clear_auth_cookie', array( __CLASS__, 'note_clear' ), PHP_INT_MAX, 0 );
		add_filter( 'send_auth_cookies', array( __CLASS__, 'send' ), PHP_INT_MAX, 1 );
	}

	/**
	 * Remembers the final `secure_logged_in_cookie` value (returned unchanged).
	 *
	 * @param bool $secure Whether the logged_in cookie is secure.
	 * @return bool
	 */
	public static function note_secure_logged_in( $secure ) {
		self::$secure_logged_in = (bool) $secure;
		return $secure;
	}

	/**
	 * `set_auth_cookie`: the auth cookie value, expiry and scheme.
	 *
	 * @param string $value      Cookie value.
	 * @param int    $expire     Cookie expiry (0: browser session).
	 * @param int    $expiration Session expiration (unused).
	 * @param int    $user_id    User (unused).
	 * @param string $scheme     'auth' or 'secure_auth'.
	 */
	public static function note_auth( $value, $expire, $expiration, $user_id, $scheme ) {
		unset( $expiration, $user_id );
		self::$clearing = false;
		self::$pending  = array(
			'auth'   => $value,
			'expire' => (int) $expire,
			'secure' => 'secure_auth' === $scheme,
		);
	}

	/**
	 * `set_logged_in_cookie`: the logged_in cookie value.
	 *
	 * @param string $value  Cookie value.
	 * @param int    $expire Cookie expiry.
	 */
	public static function note_logged_in( $value, $expire ) {
		if ( null !== self::$pending ) {
			self::$pending['logged_in'] = $value;
			self::$pending['expire']    = (int) $expire;
		}
	}

	/** `clear_auth_cookie`: wp_clear_auth_cookie() is about to send. */
	public static function note_clear() {
		self::$pending  = null;
		self::$clearing = true;
	}

	/**
	 * `send_auth_cookies`, last: sends the cookies with the extra attributes and tells WordPress
	 * not to send its own. Anything unexpected leaves WordPress's sending alone.
	 *
	 * @param bool $send Whether WordPress would send.
	 * @return bool
	 */
	public static function send( $send ) {
		$pending        = self::$pending;
		$clearing       = self::$clearing;
		self::$pending  = null;
		self::$clearing = false;
		if ( ! $send || headers_sent() ) {
			return $send;
		}
		if ( null !== $pending && isset( $pending['auth'], $pending['logged_in'] ) ) {
			self::send_set( $pending );
			return false;
		}
		if ( $clearing ) {
			self::send_clear();
			return false;
		}
		return $send;
	}

	/**
	 * What wp_set_auth_cookie() sends, plus the attributes.
	 *
	 * @param array $p Noted values.
	 */
	private static function send_set( array $p ) {
		$secure_logged_in = null === self::$secure_logged_in ? false : self::$secure_logged_in;
		$name             = $p['secure'] ? SECURE_AUTH_COOKIE : AUTH_COOKIE;
		self::cookie( $name, $p['auth'], $p['expire'], PLUGINS_COOKIE_PATH, true, $p['secure'], true );
		self::cookie( $name, $p['auth'], $p['expire'], ADMIN_COOKIE_PATH, true, $p['secure'], true );
		self::cookie( LOGGED_IN_COOKIE, $p['logged_in'], $p['expire'], COOKIEPATH, true, $secure_logged_in, true );
		if ( COOKIEPATH != SITECOOKIEPATH ) { // phpcs:ignore -- WordPress compares loosely too.
			self::cookie( LOGGED_IN_COOKIE, $p['logged_in'], $p['expire'], SITECOOKIEPATH, true, $secure_logged_in, true );
		}
	}

	/** What wp_clear_auth_cookie() sends (same list and order), plus the attributes. */
	private static function send_clear() {
		$past = time() - YEAR_IN_SECONDS;
		$uid  = get_current_user_id();
		$list = array(
			array( AUTH_COOKIE, ADMIN_COOKIE_PATH, true ),
			array( SECURE_AUTH_COOKIE, ADMIN_COOKIE_PATH, true ),
			array( AUTH_COOKIE, PLUGINS_COOKIE_PATH, true ),
			array( SECURE_AUTH_COOKIE, PLUGINS_COOKIE_PATH, true ),
			array( LOGGED_IN_COOKIE, COOKIEPATH, true ),
			array( LOGGED_IN_COOKIE, SITECOOKIEPATH, true ),
			// WordPress sends the settings cookies without a domain.
			array( 'wp-settings-' . $uid, SITECOOKIEPATH, false ),
			array( 'wp-settings-time-' . $uid, SITECOOKIEPATH, false ),
			array( AUTH_COOKIE, COOKIEPATH, true ),
			array( AUTH_COOKIE, SITECOOKIEPATH, true ),
			array( SECURE_AUTH_COOKIE, COOKIEPATH, true ),
			array( SECURE_AUTH_COOKIE, SITECOOKIEPATH, true ),
			array( USER_COOKIE, COOKIEPATH, true ),
			array( PASS_COOKIE, COOKIEPATH, true ),
			array( USER_COOKIE, SITECOOKIEPATH, true ),
			array( PASS_COOKIE, SITECOOKIEPATH, true ),
			array( 'wp-postpass_' . COOKIEHASH, COOKIEPATH, true ),
		);
		foreach ( $list as $c ) {
			self::cookie( $c[0], ' ', $past, $c[1], $c[2], false, false );
		}
	}

	/**
	 * One setcookie() with WordPress's arguments plus SameSite/Domain.
	 *
	 * @param string $name        Name.
	 * @param string $value       Value.
	 * @param int    $expire      Expiry (0: browser session).
	 * @param string $path        Path.
	 * @param bool   $with_domain Whether WordPress passes COOKIE_DOMAIN for this one.
	 * @param bool   $secure      Secure flag.
	 * @param bool   $httponly    HttpOnly flag.
	 */
	private static function cookie( $name, $value, $expire, $path, $with_domain, $secure, $httponly ) {
		$options = array(
			'expires'  => $expire,
			'path'     => $path,
			'domain'   => $with_domain ? ( null !== self::$domain ? self::$domain : (string) COOKIE_DOMAIN ) : '',
			'secure'   => (bool) $secure,
			'httponly' => (bool) $httponly,
		);
		if ( null !== self::$samesite ) {
			$options['samesite'] = self::$samesite;
		}
		setcookie( $name, $value, $options );
	}
}

WPGate_Sessions::register();
