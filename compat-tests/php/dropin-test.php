<?php
/**
 * Proves wordpress/wpgate-sessions.php against a real WordPress and a real Redis.
 *
 *   php compat-tests/php/dropin-test.php SITE_DIR
 *
 * SITE_DIR is a site made by `scripts/wp-up.sh start NAME --dropin` (its site.json gives the URL,
 * the admin login and the paths). compat-tests/run-dropin-tests.sh does all of it. The test
 * loads that WordPress in this process (to drive WP_Session_Tokens through WordPress's own API)
 * and talks HTTP to its server (wp-login.php, wp-admin), and reads Redis directly to check every
 * key, value and expiry against docs/redis-layout.md.
 *
 * Prints one PASS/FAIL line per check and "N passed, M failed"; exits 1 on any failure, and a
 * missing prerequisite is a failure, never a skip.
 */

error_reporting( E_ALL & ~E_DEPRECATED );
ini_set( 'display_errors', 'stderr' );

$site_dir = isset( $argv[1] ) ? rtrim( $argv[1], '/' ) : '';
$repo     = dirname( __DIR__, 2 );

// ---------------------------------------------------------------------------------------------
// Reporting.

$passed = 0;
$failed = 0;

function out( $line ) {
	fwrite( STDOUT, $line . "\n" );
}

function check( $name, $ok, $detail = '' ) {
	global $passed, $failed;
	if ( $ok ) {
		++$passed;
		out( "PASS $name" );
	} else {
		++$failed;
		out( "FAIL $name" . ( '' !== $detail ? ": $detail" : '' ) );
	}
	return (bool) $ok;
}

function eq( $name, $expected, $actual ) {
	return check( $name, $expected === $actual, 'expected ' . var_export( $expected, true ) . ', got ' . var_export( $actual, true ) );
}

function finish() {
	global $passed, $failed;
	out( "$passed passed, $failed failed" );
	exit( $failed > 0 ? 1 : 0 );
}

function fatal( $why ) {
	check( 'prerequisites', false, $why );
	finish();
}

// ---------------------------------------------------------------------------------------------
// Prerequisites.

if ( '' === $site_dir || ! is_file( "$site_dir/site.json" ) ) {
	fatal( "no site: pass the directory made by scripts/wp-up.sh (got '$site_dir')" );
}
$site = json_decode( file_get_contents( "$site_dir/site.json" ), true );
foreach ( array( 'redis', 'curl' ) as $ext ) {
	if ( ! extension_loaded( $ext ) ) {
		fatal( "the PHP extension $ext is missing (apt-get install php-$ext)" );
	}
}
$redis_cli = trim( (string) shell_exec( 'command -v redis-cli' ) );
if ( '' === $redis_cli ) {
	fatal( 'redis-cli is missing (apt-get install redis-tools)' );
}
if ( '1' !== $site['WP_DROPIN'] || ! is_file( $site['WP_ABSPATH'] . '/wp-content/mu-plugins/wpgate-sessions.php' ) ) {
	fatal( 'the site was made without --dropin' );
}
if ( '' === $site['WPGATE_REDIS_PREFIX'] ) {
	fatal( 'the site has no WPGATE_REDIS_PREFIX of its own (the runner gives every run a unique one)' );
}
if ( sha1_file( $site['WP_ABSPATH'] . '/wp-content/mu-plugins/wpgate-sessions.php' ) !== sha1_file( "$repo/wordpress/wpgate-sessions.php" ) ) {
	fatal( 'the site runs another copy of wpgate-sessions.php than this checkout (re-run wp-up.sh --dropin)' );
}

// ---------------------------------------------------------------------------------------------
// WordPress, in this process.

$url                        = parse_url( $site['WP_URL'] );
$_SERVER['HTTP_HOST']       = $url['host'] . ':' . $url['port'];
$_SERVER['SERVER_NAME']     = $url['host'];
$_SERVER['SERVER_PORT']     = $url['port'];
$_SERVER['REQUEST_URI']     = '/';
$_SERVER['REQUEST_METHOD']  = 'GET';
$_SERVER['REMOTE_ADDR']     = '192.0.2.10';
$_SERVER['HTTP_USER_AGENT'] = 'Mozilla/5.0 (wpgate \\ drop-in test) "ü"';

// An exception escaping a check is a failure, reported as such.
set_exception_handler(
	function ( $e ) {
		check( 'no uncaught exception', false, get_class( $e ) . ': ' . $e->getMessage() . ' at ' . $e->getFile() . ':' . $e->getLine() );
		finish();
	}
);

// PHP warnings raised inside the drop-in are failures.
$dropin_warnings = array();
set_error_handler(
	function ( $no, $str, $file, $line ) use ( &$dropin_warnings ) {
		// error_reporting() here excludes what `@` silenced (PHP 8).
		if ( ( error_reporting() & $no ) && false !== strpos( $file, 'wpgate-sessions.php' ) ) {
			$dropin_warnings[] = "$str at line $line";
		}
		return false;
	}
);

// Where error_log() lines of this process go (the fail-closed checks read it).
$cli_log = tempnam( sys_get_temp_dir(), 'wpgate-dropin-log' );
ini_set( 'error_log', $cli_log );

require $site['WP_ABSPATH'] . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/user.php';
// wp_debug_mode() lowered the level; notices from the drop-in count too.
error_reporting( E_ALL & ~E_DEPRECATED );
if ( defined( 'WPGATE_REDIS_URL' ) ) {
	fatal( 'the site defines WPGATE_REDIS_URL in wp-config.php; the fail-closed checks need it unset (default Redis)' );
}

$prefix = WPGATE_REDIS_PREFIX;
$P      = $prefix;
$events = $prefix . 'events';

$settings = WPGate_Sessions::parse_redis_url( WPGate_Sessions::setting( 'WPGATE_REDIS_URL', 'redis://127.0.0.1:6379/0' ) );
$R        = new Redis();
try {
	$R->connect( $settings['host'], $settings['port'], 2.0 );
	if ( '' !== $settings['pass'] ) {
		$R->auth( '' !== $settings['user'] ? array( $settings['user'], $settings['pass'] ) : $settings['pass'] );
	}
	$R->select( $settings['db'] );
	$R->ping();
} catch ( Throwable $e ) {
	fatal( 'Redis is not reachable at ' . $settings['display'] . ': ' . $e->getMessage() );
}
$redis_version = $R->info( 'server' )['redis_version'];
if ( version_compare( $redis_version, '7.0', '<' ) ) {
	fatal( "Redis $redis_version is too old for these checks (EXPIRETIME needs 7.0; the layout needs 6.2)" );
}

function vkey( $user, $token ) {
	global $P;
	return $P . '{' . $user . '}:session:' . hash( 'sha256', $token );
}
function ikey( $user ) {
	global $P;
	return $P . '{' . $user . '}:sessions';
}
function expiretime( $key ) {
	global $R;
	return $R->rawCommand( 'EXPIRETIME', $key );
}
/** Every key of user $user under our prefix, sorted. */
function user_keys( $user ) {
	global $R, $P;
	$keys = array();
	$it   = null;
	$R->setOption( Redis::OPT_SCAN, Redis::SCAN_RETRY );
	while ( false !== ( $batch = $R->scan( $it, addcslashes( $P, '*?[]\\' ) . '{' . $user . '}:*', 1000 ) ) ) {
		$keys = array_merge( $keys, $batch );
	}
	sort( $keys );
	return $keys;
}
function sorted( array $a ) {
	sort( $a );
	return $a;
}
function manager( $user ) {
	return WP_Session_Tokens::get_instance( $user );
}

/** Events seen on the channel, read by a redis-cli SUBSCRIBE child. */
final class Subscriber {
	private $proc;
	private $file;
	public function __construct( $cli, $channel, $settings ) {
		$this->file = tempnam( sys_get_temp_dir(), 'wpgate-events' );
		$cmd        = array( $cli, '--csv' );
		if ( 0 === $settings['port'] ) {
			array_push( $cmd, '-s', $settings['host'] );
		} else {
			array_push( $cmd, '-h', $settings['host'], '-p', (string) $settings['port'] );
		}
		array_push( $cmd, '-n', (string) $settings['db'], 'subscribe', $channel );
		$cmd        = implode( ' ', array_map( 'escapeshellarg', $cmd ) ) . ' > ' . escapeshellarg( $this->file ) . ' 2>/dev/null';
		$pipes      = array();
		$this->proc = proc_open( 'exec ' . $cmd, array( 0 => array( 'pipe', 'r' ) ), $pipes );
		for ( $i = 0; $i < 100 && false === strpos( (string) file_get_contents( $this->file ), '"subscribe"' ); $i++ ) {
			usleep( 50000 );
		}
	}
	public function ready() {
		return false !== strpos( (string) file_get_contents( $this->file ), '"subscribe"' );
	}
	/** Messages so far, waiting until $last has arrived. */
	public function messages( $last ) {
		for ( $i = 0; $i < 100; $i++ ) {
			$msgs = $this->parse();
			if ( in_array( $last, $msgs, true ) ) {
				return $msgs;
			}
			usleep( 50000 );
		}
		return $this->parse();
	}
	private function parse() {
		$msgs = array();
		foreach ( explode( "\n", (string) file_get_contents( $this->file ) ) as $line ) {
			$row = str_getcsv( $line );
			if ( 3 === count( $row ) && 'message' === $row[0] ) {
				$msgs[] = $row[2];
			}
		}
		return $msgs;
	}
	public function stop() {
		proc_terminate( $this->proc );
		proc_close( $this->proc );
		unlink( $this->file );
	}
}

/** A cookie-keeping HTTP client for the site (a browser, as far as WordPress can tell). */
final class Browser {
	public $ch;
	private $base;
	public function __construct( $base, $ua = 'wpgate-dropin-test/1.0' ) {
		$this->base = $base;
		$this->ch   = curl_init();
		curl_setopt_array(
			$this->ch,
			array(
				CURLOPT_COOKIEFILE     => '',
				CURLOPT_RETURNTRANSFER => true,
				CURLOPT_HEADER         => true,
				CURLOPT_FOLLOWLOCATION => false,
				CURLOPT_TIMEOUT        => 20,
				CURLOPT_USERAGENT      => $ua,
			)
		);
	}
	/** @return array status, headers (list of [lowercase name, value]), body, seconds */
	public function request( $path, $post = null, $cookie_header = null ) {
		curl_setopt( $this->ch, CURLOPT_URL, $this->base . $path );
		if ( null !== $post ) {
			curl_setopt( $this->ch, CURLOPT_POST, true );
			curl_setopt( $this->ch, CURLOPT_POSTFIELDS, http_build_query( $post ) );
		} else {
			curl_setopt( $this->ch, CURLOPT_HTTPGET, true );
		}
		curl_setopt( $this->ch, CURLOPT_HTTPHEADER, null === $cookie_header ? array() : array( 'Cookie: ' . $cookie_header ) );
		$start = microtime( true );
		$raw   = curl_exec( $this->ch );
		$secs  = microtime( true ) - $start;
		if ( false === $raw ) {
			return array(
				'status'  => 0,
				'headers' => array(),
				'body'    => curl_error( $this->ch ),
				'secs'    => $secs,
			);
		}
		$size    = curl_getinfo( $this->ch, CURLINFO_HEADER_SIZE );
		$headers = array();
		foreach ( explode( "\r\n", substr( $raw, 0, $size ) ) as $line ) {
			if ( false !== strpos( $line, ':' ) ) {
				list( $n, $v ) = explode( ':', $line, 2 );
				$headers[]     = array( strtolower( $n ), ltrim( $v ) );
			}
		}
		return array(
			'status'  => curl_getinfo( $this->ch, CURLINFO_RESPONSE_CODE ),
			'headers' => $headers,
			'body'    => substr( $raw, $size ),
			'secs'    => $secs,
		);
	}
	public function login( $user, $pass, $remember = false ) {
		$this->request( '/wp-login.php' );
		$form = array(
			'log'         => $user,
			'pwd'         => $pass,
			'wp-submit'   => 'Log In',
			'redirect_to' => $this->base . '/wp-admin/',
			'testcookie'  => '1',
		);
		if ( $remember ) {
			$form['rememberme'] = 'forever';
		}
		return $this->request( '/wp-login.php', $form );
	}
}

function header_values( $response, $name ) {
	$out = array();
	foreach ( $response['headers'] as $h ) {
		if ( $h[0] === $name ) {
			$out[] = $h[1];
		}
	}
	return $out;
}
/** Set-Cookie lines with values and dates blanked, to compare shapes across logins. */
function cookie_shapes( $response ) {
	return array_map(
		function ( $line ) {
			$line = preg_replace( '/^([^=]+)=[^;]*/', '$1=VALUE', $line );
			return preg_replace( '/expires=[^;]+/', 'expires=DATE', $line );
		},
		header_values( $response, 'set-cookie' )
	);
}
function is_error_page( $response ) {
	return $response['status'] >= 500 || false !== stripos( $response['body'], 'critical error' )
		|| false !== stripos( $response['body'], 'Fatal error' );
}
function logged_in_cookie_set( $response ) {
	foreach ( header_values( $response, 'set-cookie' ) as $line ) {
		if ( 0 === strpos( $line, LOGGED_IN_COOKIE . '=' ) && 0 !== strpos( $line, LOGGED_IN_COOKIE . '=%20' ) ) {
			return true;
		}
	}
	return false;
}
/** Writes (or with null removes) the site's wp-config-local.php, read before wp-config.php's own defines. */
function local_config( $site, $defines ) {
	$file = $site['WP_CONFIG_LOCAL'];
	if ( null === $defines ) {
		@unlink( $file );
		return;
	}
	$php = "<?php\n// Written by compat-tests/php/dropin-test.php; removed when it is done.\n";
	foreach ( $defines as $k => $v ) {
		$php .= 'define( ' . var_export( $k, true ) . ', ' . var_export( $v, true ) . " );\n";
	}
	file_put_contents( $file, $php );
}
function file_size( $path ) {
	clearstatcache( true, $path );
	return is_file( $path ) ? filesize( $path ) : 0;
}
function log_since( $path, $offset ) {
	clearstatcache( true, $path );
	return is_file( $path ) ? (string) file_get_contents( $path, false, null, $offset ) : '';
}
/** A TCP port on 127.0.0.1 that nothing listens on. */
function closed_port() {
	$s    = stream_socket_server( 'tcp://127.0.0.1:0' );
	$port = (int) substr( strrchr( stream_socket_get_name( $s, false ), ':' ), 1 );
	fclose( $s );
	return $port;
}

$sub = new Subscriber( $redis_cli, $events, $settings );
if ( ! $sub->ready() ) {
	fatal( "redis-cli could not subscribe to $events" );
}
register_shutdown_function(
	function () use ( $sub, $site, $R, $P ) {
		local_config( $site, null );
		$aside = $site['WP_SITE_DIR'] . '/wpgate-sessions.php.aside';
		if ( is_file( $aside ) ) {
			rename( $aside, $site['WP_ABSPATH'] . '/wp-content/mu-plugins/wpgate-sessions.php' );
		}
		$sub->stop();
		@unlink( $GLOBALS['cli_log'] );
		// Leave nothing of ours in Redis.
		$it = null;
		while ( false !== ( $keys = $R->scan( $it, addcslashes( $P, '*?[]\\' ) . '*', 1000 ) ) ) {
			$R->unlink( $keys );
		}
	}
);
$marker_n = 0;
/** Publishes a marker on the channel; events between two markers belong to the step between. */
function marker() {
	global $R, $events, $marker_n;
	$m = 'marker:' . ( ++$marker_n );
	$R->publish( $events, $m );
	return $m;
}
/** The messages published between markers $from and $to. */
function between( $msgs, $from, $to ) {
	$a = array_search( $from, $msgs, true );
	$b = array_search( $to, $msgs, true );
	if ( false === $a || false === $b ) {
		return array( 'markers missing' );
	}
	return array_values( array_slice( $msgs, $a + 1, $b - $a - 1 ) );
}

out( "# WordPress {$GLOBALS['wp_version']}, PHP " . PHP_VERSION . ", phpredis " . phpversion( 'redis' ) . ", Redis $redis_version, prefix $P" );

// =============================================================================================
// 1. The contract itself: the drop-in runs the doc's scripts, verbatim.

$doc = file_get_contents( "$repo/docs/redis-layout.md" );
preg_match_all( '/```lua\n(.*?)```/s', $doc, $m );
$doc_scripts = array();
foreach ( $m[1] as $lua ) {
	if ( preg_match( '/^-- (\w+):/', $lua, $n ) ) {
		$doc_scripts[ $n[1] ] = $lua;
	}
}
eq( 'docs/redis-layout.md has the five scripts', array( 'destroy', 'destroy_all', 'destroy_others', 'list', 'update' ), ( function ( $k ) {
	sort( $k );
	return $k;
} )( array_keys( $doc_scripts ) ) );
foreach ( $doc_scripts as $name => $lua ) {
	eq( "script '$name' is the doc's, byte for byte", rtrim( $lua, "\n" ), rtrim( WPGate_Sessions::SCRIPTS[ $name ], "\n" ) );
}
eq( 'session_token_manager is the drop-in', 'WPGate_Redis_Session_Tokens', get_class( manager( 1 ) ) );

// Settings parsing.
$u = WPGate_Sessions::parse_redis_url( 'redis://us%40r:p%3Ass@example.test:6380/3' );
eq( 'URL: user, password (percent-decoded), host, port, db', array( 'us@r', 'p:ss', 'example.test', 6380, 3, false ), array( $u['user'], $u['pass'], $u['host'], $u['port'], $u['db'], $u['tls'] ) );
$u = WPGate_Sessions::parse_redis_url( 'rediss://:secret@[::1]/0#insecure' );
eq( 'URL: rediss, IPv6, password only, insecure', array( '', 'secret', '::1', 6379, 0, true, true ), array( $u['user'], $u['pass'], $u['host'], $u['port'], $u['db'], $u['tls'], $u['insecure'] ) );
check( 'URL: the display form carries no password', false === strpos( $u['display'], 'secret' ), $u['display'] );
$u = WPGate_Sessions::parse_redis_url( 'unix:///run/redis/redis.sock?db=2' );
eq( 'URL: unix socket with ?db=', array( '/run/redis/redis.sock', 2, 0 ), array( $u['host'], $u['db'], $u['port'] ) );
$u = WPGate_Sessions::parse_redis_url( 'redis+unix:///tmp/r.sock?pass=pw' );
eq( 'URL: redis+unix with ?pass=', array( '/tmp/r.sock', 0, 'pw' ), array( $u['host'], $u['db'], $u['pass'] ) );
foreach ( array( 'http://x', 'redis://h/abc', 'redis:///0', '' ) as $bad ) {
	try {
		WPGate_Sessions::parse_redis_url( $bad );
		check( "URL '$bad' is refused", false, 'accepted' );
	} catch ( InvalidArgumentException $e ) {
		check( "URL '$bad' is refused", false !== strpos( $e->getMessage(), 'WPGATE_REDIS_URL' ), $e->getMessage() );
	}
}

// =============================================================================================
// 2. WP_Session_Tokens through WordPress's API, checked against the raw keys.

$admin = get_user_by( 'login', $site['WP_ADMIN_USER'] );
$uid   = $admin->ID;
$uid2  = wp_insert_user(
	array(
		'user_login' => 'second_' . getmypid(),
		'user_pass'  => 'second-password',
		'user_email' => 'second_' . getmypid() . '@example.com',
		'role'       => 'subscriber',
	)
);
check( 'a second user exists', is_int( $uid2 ) && $uid2 > 0 );
manager( $uid )->destroy_all();
manager( $uid2 )->destroy_all();

// create()
$extra = function ( $session ) {
	$session['wpgate'] = array(
		'nested' => array( 1.5, true, null, 'é' ),
		'n'      => -7,
	);
	return $session;
};
add_filter( 'attach_session_information', $extra );
$exp   = time() + 3600;
$t0    = time();
$token = manager( $uid )->create( $exp );
$t1    = time();
remove_filter( 'attach_session_information', $extra );
check( 'create() returns a 43-character alphanumeric token', (bool) preg_match( '/^[A-Za-z0-9]{43}$/', $token ) );
$raw = $R->get( vkey( $uid, $token ) );
check( 'create() stores P{U}:session:sha256(token)', is_string( $raw ) );
$login = is_string( $raw ) && preg_match( '/s:5:"login";i:(\d+);/', $raw, $mm ) ? (int) $mm[1] : -1;
check( 'login time is time() at create()', $login >= $t0 && $login <= $t1, "login $login" );
$expected = array(
	'wpgate'     => array(
		'nested' => array( 1.5, true, null, 'é' ),
		'n'      => -7,
	),
	'expiration' => $exp,
	'ip'         => '192.0.2.10',
	'ua'         => wp_unslash( $_SERVER['HTTP_USER_AGENT'] ),
	'login'      => $login,
);
// update_user_meta() unslashes what it stores (the user agent's backslash goes): so do we.
$stored = wp_unslash( $expected );
check( 'the user agent has a backslash, so the unslashing is tested', $stored['ua'] !== $expected['ua'] );
eq( 'record is serialize(wp_unslash($session)), fields in WordPress order', serialize( $stored ), $raw );
eq( 'record key expires at expiration + 1', $exp + 1, expiretime( vkey( $uid, $token ) ) );
eq( 'index P{U}:sessions scores the verifier with expiration', (float) $exp, $R->zScore( ikey( $uid ), hash( 'sha256', $token ) ) );
eq( 'index expires at max(score) + 1', $exp + 1, expiretime( ikey( $uid ) ) );
eq( 'only the two layout keys exist for the user', sorted( array( ikey( $uid ), vkey( $uid, $token ) ) ), user_keys( $uid ) );

// Byte-identical to what stock WordPress stores in the user meta.
$stock = function () {
	return 'WP_User_Meta_Session_Tokens';
};
add_filter( 'session_token_manager', $stock, PHP_INT_MAX );
eq( 'stock manager can be switched in for comparison', 'WP_User_Meta_Session_Tokens', get_class( manager( $uid ) ) );
manager( $uid )->update( $token, $expected );
$meta_raw = $wpdb->get_var( $wpdb->prepare( "SELECT meta_value FROM $wpdb->usermeta WHERE user_id = %d AND meta_key = 'session_tokens'", $uid ) );
manager( $uid )->destroy_all();
remove_filter( 'session_token_manager', $stock, PHP_INT_MAX );
eq( 'record bytes equal the stock user-meta entry for that verifier', 'a:1:{s:64:"' . hash( 'sha256', $token ) . '";' . $raw . '}', $meta_raw );

// verify() / get()
check( 'verify(token) is true', manager( $uid )->verify( $token ) );
eq( 'get(token) returns the session as stored', $stored, manager( $uid )->get( $token ) );
check( 'verify(other token) is false', ! manager( $uid )->verify( str_repeat( 'a', 43 ) ) );
check( "verify(token) for another user is false (the user is in the key)", ! manager( $uid2 )->verify( $token ) );

// update()
$exp2            = time() + 7200;
$updated         = $expected;
$updated['exp2'] = 'x';
$updated['expiration'] = $exp2;
manager( $uid )->update( $token, $updated );
eq( 'update() replaces the record', serialize( wp_unslash( $updated ) ), $R->get( vkey( $uid, $token ) ) );
eq( 'update() moves the record expiry', $exp2 + 1, expiretime( vkey( $uid, $token ) ) );
eq( 'update() moves the index score', (float) $exp2, $R->zScore( ikey( $uid ), hash( 'sha256', $token ) ) );
eq( 'update() moves the index expiry', $exp2 + 1, expiretime( ikey( $uid ) ) );

// Liveness: expiration >= now is live.
$boundary_ok = false;
for ( $try = 0; $try < 3 && ! $boundary_ok; $try++ ) {
	$now = time();
	$R->set( vkey( $uid2, 'edge' ), serialize( array( 'expiration' => $now ) ) );
	$live = manager( $uid2 )->verify( 'edge' );
	if ( time() === $now ) {
		$boundary_ok = true;
		check( 'a session whose expiration is now is live', $live );
	}
}
check( 'boundary check ran within one second', $boundary_ok );
$R->set( vkey( $uid2, 'past' ), serialize( array( 'expiration' => time() - 1 ) ) );
check( 'a session one second past expiration is not live (expiry is lazy; the record is checked)', ! manager( $uid2 )->verify( 'past' ) );
$R->del( vkey( $uid2, 'edge' ), vkey( $uid2, 'past' ) );

// update() with an expired session: not kept.
$t = manager( $uid2 )->create( time() + 100 );
manager( $uid2 )->update( $t, array( 'expiration' => time() - 10 ) );
check( 'update() with an expired session removes the record', ! $R->exists( vkey( $uid2, $t ) ) );
check( 'and the index, now empty', ! $R->exists( ikey( $uid2 ) ) );
check( 'and verify() is false', ! manager( $uid2 )->verify( $t ) );

// Legacy 4.0 record (an integer) and unreadable records.
$lexp = time() + 500;
$R->set( vkey( $uid2, 'legacy' ), serialize( $lexp ) );
$R->zAdd( ikey( $uid2 ), $lexp, hash( 'sha256', 'legacy' ) );
eq( 'a 4.0 integer record reads as [expiration => int]', array( 'expiration' => $lexp ), manager( $uid2 )->get( 'legacy' ) );
$R->set( vkey( $uid2, 'garbage' ), 'a:1:{s:3:"bad' );
check( 'an unreadable record is no session', ! manager( $uid2 )->verify( 'garbage' ) );
$R->set( vkey( $uid2, 'object' ), 'O:8:"stdClass":1:{s:10:"expiration";i:' . ( time() + 50 ) . ';}' );
check( 'an object record is no session (and is never instantiated)', ! manager( $uid2 )->verify( 'object' ) );
$R->del( vkey( $uid2, 'garbage' ), vkey( $uid2, 'object' ) );

// get_all(): live sessions, oldest expiration first; stale index entries ignored.
$a = manager( $uid2 )->create( time() + 300 );
$b = manager( $uid2 )->create( time() + 100 );
$R->zAdd( ikey( $uid2 ), time() - 5, hash( 'sha256', 'stale' ) );
$R->set( vkey( $uid2, 'stale' ), serialize( array( 'expiration' => time() - 5 ) ) );
$all = manager( $uid2 )->get_all();
eq(
	'get_all() lists live sessions by expiration',
	array( $R->get( vkey( $uid2, $b ) ), $R->get( vkey( $uid2, $a ) ), $R->get( vkey( $uid2, 'legacy' ) ) ),
	array_map(
		function ( $s ) {
			return 1 === count( $s ) ? serialize( $s['expiration'] ) : serialize( $s );
		},
		$all
	)
);
$R->del( vkey( $uid2, 'stale' ) );

// destroy(), destroy_others(), destroy_all()
$m0 = marker();
manager( $uid2 )->destroy( $b );
check( 'destroy() removes the record', ! $R->exists( vkey( $uid2, $b ) ) );
check( 'destroy() removes the verifier from the index', false === $R->zScore( ikey( $uid2 ), hash( 'sha256', $b ) ) );
check( 'destroy() leaves the other sessions', manager( $uid2 )->verify( $a ) && manager( $uid2 )->verify( 'legacy' ) );
$m1 = marker();
$c  = manager( $uid2 )->create( time() + 900 );
manager( $uid2 )->destroy_others( $a );
eq( 'destroy_others(keep) leaves only keep', sorted( array( ikey( $uid2 ), vkey( $uid2, $a ) ) ), user_keys( $uid2 ) );
$m2 = marker();
$R->set( vkey( $uid2, 'dead' ), serialize( array( 'expiration' => time() - 1 ) ) );
$R->zAdd( ikey( $uid2 ), time() - 1, hash( 'sha256', 'dead' ) );
manager( $uid2 )->destroy_others( 'dead' );
eq( 'destroy_others(a session that is not live) destroys all', array(), user_keys( $uid2 ) );
$m3 = marker();
$d  = manager( $uid2 )->create( time() + 900 );
$e2 = manager( $uid2 )->create( time() + 901 );
manager( $uid2 )->destroy( $d );
manager( $uid2 )->destroy( $e2 );
eq( 'the index is deleted with its last session', array(), user_keys( $uid2 ) );
$f  = manager( $uid2 )->create( time() + 900 );
$g  = manager( $uid2 )->create( time() + 901 );
$m4 = marker();
manager( $uid2 )->destroy_all();
eq( 'destroy_all() removes every key of the user', array(), user_keys( $uid2 ) );
check( 'destroy_all() leaves other users alone', manager( $uid )->verify( $token ) );
$m5 = marker();

// destroy_all_for_all_users(): our prefix, our shape, nothing else.
$h      = manager( $uid2 )->create( time() + 900 );
check( 'the prefix has glob characters, so their escaping is tested', false !== strpos( $P, '[x]*?' ), $P );
$decoys = array(
	'wpgate-decoy:{' . $uid . '}:sessions',                                     // another site
	str_replace( '[x]*?', 'xAB', $P ) . '{' . $uid . '}:sessions',              // what the prefix matches as a glob
	$P . 'other-data',                                                         // ours, not a session
	$P . '{' . $uid . '}:sessions-archive',                                   // ours, not the shape
	$P . '{x}:session:abc',                                                     // not a user ID
);
foreach ( $decoys as $k ) {
	$R->set( $k, 'keep' );
}
WP_Session_Tokens::destroy_all_for_all_users();
$m6 = marker();
foreach ( $decoys as $k ) {
	check( "destroy_all_for_all_users() leaves $k", 'keep' === $R->get( $k ) );
}
$R->del( $decoys );
eq( 'destroy_all_for_all_users() removes every user\'s sessions', array( array(), array() ), array( user_keys( $uid ), user_keys( $uid2 ) ) );

// wp_signon() creates a session in Redis (cookies are not sent from the CLI).
$user = wp_signon(
	array(
		'user_login'    => $site['WP_ADMIN_USER'],
		'user_password' => $site['WP_ADMIN_PASSWORD'],
	)
);
check( 'wp_signon() succeeds', $user instanceof WP_User, is_wp_error( $user ) ? $user->get_error_code() : '' );
eq( 'wp_signon() created one session in Redis', 1, count( manager( $uid )->get_all() ) );
manager( $uid )->destroy_all();

// =============================================================================================
// 3. Events.

$ev    = wp_insert_user(
	array(
		'user_login' => 'events_' . getmypid(),
		'user_pass'  => 'events-password',
		'user_email' => 'events_' . getmypid() . '@example.com',
		'role'       => 'subscriber',
	)
);
$ev_u  = 'user:' . $ev;
$steps = array();
$mark  = marker();
wp_update_user(
	array(
		'ID'           => $ev,
		'nickname'     => 'Nick',
		'display_name' => 'Someone Else',
	)
);
$steps['an unrelated profile change announces nothing'] = array( $mark, marker(), array() );
$mark = end( $steps )[1];
wp_update_user(
	array(
		'ID'        => $ev,
		'user_pass' => 'changed-password',
	)
);
$steps['a password change (wp_update_user) announces user:U'] = array( $mark, marker(), array( $ev_u ) );
$mark = end( $steps )[1];
wp_update_user(
	array(
		'ID'         => $ev,
		'user_email' => 'changed_' . getmypid() . '@example.com',
	)
);
$steps['an email change announces user:U'] = array( $mark, marker(), array( $ev_u ) );
$mark = end( $steps )[1];
get_userdata( $ev )->set_role( 'editor' );
$steps['set_role announces user:U'] = array( $mark, marker(), array( $ev_u ) );
$mark = end( $steps )[1];
get_userdata( $ev )->add_role( 'author' );
$steps['add_role announces user:U'] = array( $mark, marker(), array( $ev_u ) );
$mark = end( $steps )[1];
get_userdata( $ev )->remove_role( 'author' );
$steps['remove_role announces user:U'] = array( $mark, marker(), array( $ev_u ) );
$mark = end( $steps )[1];
get_userdata( $ev ); // cached, as in any request that looked at the user first
wp_set_password( 'set-directly', $ev );
$steps['wp_set_password() announces user:U'] = array( $mark, marker(), array( $ev_u ) );
$mark = end( $steps )[1];
reset_password( get_userdata( $ev ), 'reset-password' );
$steps['reset_password() announces user:U'] = array( $mark, marker(), array( $ev_u ) );
$mark = end( $steps )[1];
$t    = manager( $ev )->create( time() + 60 );
manager( $ev )->destroy( $t );
$steps['destroy() announces sessions:U'] = array( $mark, marker(), array( 'sessions:' . $ev ) );
$mark = end( $steps )[1];
$t    = manager( $ev )->create( time() + 60 );
manager( $ev )->create( time() + 60 );
manager( $ev )->destroy_others( $t );
$steps['destroy_others() announces sessions:U'] = array( $mark, marker(), array( 'sessions:' . $ev ) );
$mark = end( $steps )[1];
manager( $ev )->destroy_all();
$steps['destroy_all() announces sessions:U'] = array( $mark, marker(), array( 'sessions:' . $ev ) );
$mark = end( $steps )[1];
manager( $ev )->create( time() + 60 );
wp_delete_user( $ev );
$steps['deleting a user destroys their sessions and announces it'] = array( $mark, marker(), array( 'sessions:' . $ev, $ev_u ) );
$last = end( $steps )[1];

$msgs = $sub->messages( $last );
foreach ( $steps as $name => $s ) {
	$got = array_values( array_unique( between( $msgs, $s[0], $s[1] ) ) );
	sort( $got );
	eq( $name, $s[2], $got );
}
eq( 'a deleted user keeps no session keys', array(), user_keys( $ev ) );
eq( 'destroy_all_for_all_users() announced sessions:U per user', true, in_array( 'sessions:' . $uid2, between( $msgs, $m5, $m6 ), true ) );
eq( 'destroy() between markers', array( 'sessions:' . $uid2 ), between( $msgs, $m0, $m1 ) );

// =============================================================================================
// 4. Fail closed, in this process: Redis on a closed port.

$good_token = manager( $uid )->create( time() + 600 );
$closed     = closed_port();
putenv( "WPGATE_REDIS_URL=redis://127.0.0.1:$closed/0" );
WPGate_Sessions::reset();
$log_at = file_size( $cli_log );
$start  = microtime( true );
check( 'Redis down: a stored session does not verify', ! manager( $uid )->verify( $good_token ) );
eq( 'Redis down: get_all() is empty', array(), manager( $uid )->get_all() );
$nt = manager( $uid )->create( time() + 600 );
$signon = wp_signon(
	array(
		'user_login'    => $site['WP_ADMIN_USER'],
		'user_password' => $site['WP_ADMIN_PASSWORD'],
	)
);
check( 'Redis down: wp_signon() fails with wpgate_sessions_unavailable', is_wp_error( $signon ) && 'wpgate_sessions_unavailable' === $signon->get_error_code(), is_wp_error( $signon ) ? $signon->get_error_code() : get_class( $signon ) );
check( 'Redis down: the message says sessions are unavailable', is_wp_error( $signon ) && false !== strpos( $signon->get_error_message(), 'Sessions are unavailable' ) );
$wrong = wp_signon(
	array(
		'user_login'    => $site['WP_ADMIN_USER'],
		'user_password' => 'wrong',
	)
);
check( 'Redis down: a wrong password is still a wrong password', is_wp_error( $wrong ) && 'incorrect_password' === $wrong->get_error_code() );
manager( $uid )->destroy_all();
WP_Session_Tokens::destroy_all_for_all_users();
WPGate_Sessions::publish( 'user:1' );
check( 'Redis down: all of that took well under a second per call', microtime( true ) - $start < 3.0, sprintf( '%.2fs', microtime( true ) - $start ) );
$lines = array_values( array_filter( explode( "\n", log_since( $cli_log, $log_at ) ) ) );
eq( 'Redis down: exactly one error_log line for the whole request', 1, count( $lines ) );
check( 'Redis down: the line names wpgate-sessions, the address and fail closed', isset( $lines[0] ) && false !== strpos( $lines[0], 'wpgate-sessions: Redis at redis://127.0.0.1:' . $closed ) && false !== strpos( $lines[0], 'fail closed' ), isset( $lines[0] ) ? $lines[0] : '' );
putenv( 'WPGATE_REDIS_URL' );
WPGate_Sessions::reset();
check( 'Redis back: the session stored before verifies again', manager( $uid )->verify( $good_token ) );
eq( 'Redis down: create() stored nothing', false, $R->exists( vkey( $uid, $nt ) ) ? true : false );
manager( $uid )->destroy_all();

// Connection forms, against the runner's second Redis (ACL user, default-user password, TLS
// with a self-signed certificate, Unix socket): each stores a session in database 3 there.
$side_plain  = (int) getenv( 'WPGATE_TEST_SIDE_PLAIN' );
$side_tls    = (int) getenv( 'WPGATE_TEST_SIDE_TLS' );
$side_socket = (string) getenv( 'WPGATE_TEST_SIDE_SOCKET' );
if ( check( 'the runner started a second Redis (TLS, ACL, socket)', $side_plain > 0 && $side_tls > 0 && '' !== $side_socket ) ) {
	$side = new Redis();
	$side->connect( '127.0.0.1', $side_plain, 2.0 );
	$side->auth( array( 'wpg', 'side-acl-pw' ) );
	$side->select( 3 );
	$forms = array(
		'ACL user and password, database 3'   => array( "redis://wpg:side-acl-pw@127.0.0.1:$side_plain/3", true ),
		'default-user password only'           => array( "redis://:side-default-pw@127.0.0.1:$side_plain/3", true ),
		'TLS, certificate checks off'          => array( "rediss://wpg:side-acl-pw@127.0.0.1:$side_tls/3#insecure", true ),
		'Unix socket with ?db= and ?pass='     => array( "unix://$side_socket?db=3&pass=side-default-pw", true ),
		'a wrong password'                     => array( "redis://wpg:wrong@127.0.0.1:$side_plain/3", false ),
		'no password where one is needed'      => array( "redis://127.0.0.1:$side_plain/3", false ),
		'TLS with an untrusted certificate'    => array( "rediss://wpg:side-acl-pw@127.0.0.1:$side_tls/3", false ),
		'plain text to the TLS port'           => array( "redis://wpg:side-acl-pw@127.0.0.1:$side_tls/3", false ),
	);
	foreach ( $forms as $what => $f ) {
		putenv( 'WPGATE_REDIS_URL=' . $f[0] );
		WPGate_Sessions::reset();
		$t0    = microtime( true );
		$tok   = manager( $uid )->create( time() + 60 );
		$works = manager( $uid )->verify( $tok );
		$secs  = microtime( true ) - $t0;
		if ( $f[1] ) {
			check( "URL form works: $what", $works && is_string( $side->get( vkey( $uid, $tok ) ) ) && ! $R->exists( vkey( $uid, $tok ) ), (string) WPGate_Sessions::failure() );
			manager( $uid )->destroy_all();
		} else {
			check( "URL form fails closed: $what", ! $works && null !== WPGate_Sessions::failure() && $secs < 5, sprintf( '%.2fs', $secs ) );
			$fail = (string) WPGate_Sessions::failure();
			check( "the failure names no password: $what", false === strpos( $fail, 'side-acl-pw' ) && false === strpos( $fail, 'side-default-pw' ), $fail );
		}
	}
	$side->flushDB();
	putenv( 'WPGATE_REDIS_URL' );
	WPGate_Sessions::reset();
}

eq( 'no PHP warnings from the drop-in in this process', array(), $dropin_warnings );

// =============================================================================================
// 5. Over HTTP: real logins through wp-login.php on the site's server.

$base    = $site['WP_URL'];
$srv_log = $site['WP_ERROR_LOG'];
local_config( $site, null );
$srv_at = file_size( $srv_log );

$browser = new Browser( $base, 'wpgate-dropin-test/1.0 (HTTP)' );
$resp    = $browser->login( $site['WP_ADMIN_USER'], $site['WP_ADMIN_PASSWORD'] );
eq( 'HTTP login: wp-login.php answers 302', 302, $resp['status'] );
check( 'HTTP login: redirects to wp-admin', in_array( $base . '/wp-admin/', header_values( $resp, 'location' ), true ), implode( ',', header_values( $resp, 'location' ) ) );
$sessions = manager( $uid )->get_all();
eq( 'HTTP login: one session in Redis', 1, count( $sessions ) );
check( 'HTTP login: the session records the browser', isset( $sessions[0]['ua'] ) && 'wpgate-dropin-test/1.0 (HTTP)' === $sessions[0]['ua'] && '127.0.0.1' === $sessions[0]['ip'] );
$login_shapes = cookie_shapes( $resp );
$resp         = $browser->request( '/wp-admin/profile.php' );
eq( 'HTTP: wp-admin/profile.php answers 200 with the Redis session', 200, $resp['status'] );
check( 'HTTP: profile.php is the profile page', false !== strpos( $resp['body'], 'id="your-profile"' ) );
check( 'HTTP: a logout link is there', (bool) preg_match( '/wp-login\.php\?action=logout&(?:amp;|#038;)?_wpnonce=([0-9a-f]{10})/', $resp['body'], $nonce ) );

// A session destroyed elsewhere (wpgate, another tab) ends this cookie at once.
manager( $uid )->destroy_all();
$resp = $browser->request( '/wp-admin/profile.php' );
eq( 'HTTP: after destroy_all() elsewhere, profile.php redirects to the login', 302, $resp['status'] );

// Log in again, then log out through the link.
$browser = new Browser( $base );
$browser->login( $site['WP_ADMIN_USER'], $site['WP_ADMIN_PASSWORD'] );
$resp = $browser->request( '/wp-admin/profile.php' );
preg_match( '/wp-login\.php\?action=logout&(?:amp;|#038;)?_wpnonce=([0-9a-f]{10})/', $resp['body'], $nonce );
eq( 'HTTP: second login has one session', 1, count( manager( $uid )->get_all() ) );
$resp = $browser->request( '/wp-login.php?action=logout&_wpnonce=' . ( isset( $nonce[1] ) ? $nonce[1] : '' ) );
eq( 'HTTP logout: answers 302', 302, $resp['status'] );
eq( 'HTTP logout: the session is gone from Redis', array(), user_keys( $uid ) );
$logout_shapes = cookie_shapes( $resp );
$resp          = $browser->request( '/wp-admin/profile.php' );
eq( 'HTTP logout: profile.php redirects to the login', 302, $resp['status'] );

// A session written by another implementation of the layout (wpgate): the doc's update script
// run by hand, and cookies made from its token.
$token = wp_generate_password( 43, false, false );
$V     = hash( 'sha256', $token );
$exp   = time() + 3600;
$rec   = serialize(
	array(
		'expiration' => $exp,
		'ip'         => '198.51.100.7',
		'ua'         => 'wpgate',
		'login'      => time(),
	)
);
$R->eval( $doc_scripts['update'], array( ikey( $uid ), vkey( $uid, $token ), $V, $rec, (string) $exp, (string) time() ), 2 );
$cookie = AUTH_COOKIE . '=' . rawurlencode( wp_generate_auth_cookie( $uid, $exp, 'auth', $token ) ) . '; '
	. LOGGED_IN_COOKIE . '=' . rawurlencode( wp_generate_auth_cookie( $uid, $exp, 'logged_in', $token ) );
$fresh  = new Browser( $base );
$resp   = $fresh->request( '/wp-admin/profile.php', null, $cookie );
eq( 'interop: a session another writer stored by the doc is accepted by WordPress', 200, $resp['status'] );

// Stock WordPress's cookie headers, for the byte-identity check below.
$dropin_file = $site['WP_ABSPATH'] . '/wp-content/mu-plugins/wpgate-sessions.php';
$aside       = $site['WP_SITE_DIR'] . '/wpgate-sessions.php.aside';
rename( $dropin_file, $aside );
$stock_browser = new Browser( $base );
$resp          = $stock_browser->login( $site['WP_ADMIN_USER'], $site['WP_ADMIN_PASSWORD'] );
$stock_login   = cookie_shapes( $resp );
$resp          = $stock_browser->request( '/wp-admin/profile.php' );
preg_match( '/wp-login\.php\?action=logout&(?:amp;|#038;)?_wpnonce=([0-9a-f]{10})/', $resp['body'], $n2 );
$resp         = $stock_browser->request( '/wp-login.php?action=logout&_wpnonce=' . ( isset( $n2[1] ) ? $n2[1] : '' ) );
$stock_logout = cookie_shapes( $resp );
rename( $aside, $dropin_file );
check( 'stock login sent its cookies', count( $stock_login ) >= 3, implode( ' | ', $stock_login ) );
eq( 'default settings: login Set-Cookie headers are stock WordPress\'s', $stock_login, $login_shapes );
eq( 'default settings: logout Set-Cookie headers are stock WordPress\'s', $stock_logout, $logout_shapes );
$wpdb->delete( $wpdb->usermeta, array( 'meta_key' => 'session_tokens' ) );

check( 'stock logout cleared the 17 cookies of wp_clear_auth_cookie()', count( preg_grep( '/=VALUE; expires=DATE; Max-Age=0; path=/', $stock_logout ) ) === 17, implode( ' | ', $stock_logout ) );
manager( $uid )->destroy_all();

// SameSite and Domain on WordPress's own cookies.
local_config(
	$site,
	array(
		'WPGATE_COOKIE_SAMESITE' => 'lax',
		'WPGATE_COOKIE_DOMAIN'   => 'example.test',
	)
);
$ss    = new Browser( $base );
$resp  = $ss->login( $site['WP_ADMIN_USER'], $site['WP_ADMIN_PASSWORD'] );
$with  = cookie_shapes( $resp );
$plain = array_map(
	function ( $l ) {
		return str_replace( array( '; domain=example.test', '; SameSite=Lax' ), '', $l );
	},
	$with
);
eq( 'SameSite: login cookies are stock WordPress\'s plus the attributes', $stock_login, $plain );
$auth_lines = array_values(
	array_filter(
		$with,
		function ( $l ) {
			return 0 === strpos( $l, 'wordpress_' ) && false === strpos( $l, 'test_cookie' );
		}
	)
);
check(
	'SameSite: every auth cookie has domain and SameSite=Lax, PHP\'s attribute order',
	count( $auth_lines ) >= 3 && count(
		array_filter(
			$auth_lines,
			function ( $l ) {
				return (bool) preg_match( '/; path=[^;]+; domain=example\.test; HttpOnly; SameSite=Lax$/', $l );
			}
		)
	) === count( $auth_lines ),
	implode( ' | ', $auth_lines )
);
$sessions = manager( $uid )->get_all();
eq( 'SameSite: the login made a Redis session', 1, count( $sessions ) );
$resp       = ( new Browser( $base ) )->login( $site['WP_ADMIN_USER'], $site['WP_ADMIN_PASSWORD'], true );
$remembered = preg_grep( '/^wordpress_(?!test_cookie)/', header_values( $resp, 'set-cookie' ) );
check(
	'SameSite with "Remember Me": persistent cookies keep expires/Max-Age and get the attributes',
	count( $remembered ) >= 3 && count( preg_grep( '/^[^=]+=[^;]+; expires=[^;]+ GMT; Max-Age=(\d+); path=[^;]+; domain=example\.test; HttpOnly; SameSite=Lax$/', $remembered ) ) === count( $remembered ),
	implode( ' | ', $remembered )
);
manager( $uid )->destroy_all();
local_config( $site, array( 'WPGATE_COOKIE_SAMESITE' => 'Strict' ) );
$ss   = new Browser( $base );
$ss->login( $site['WP_ADMIN_USER'], $site['WP_ADMIN_PASSWORD'] );
$resp = $ss->request( '/wp-admin/profile.php' );
eq( 'SameSite=Strict alone: the cookies still work', 200, $resp['status'] );
preg_match( '/wp-login\.php\?action=logout&(?:amp;|#038;)?_wpnonce=([0-9a-f]{10})/', $resp['body'], $n3 );
$resp  = $ss->request( '/wp-login.php?action=logout&_wpnonce=' . ( isset( $n3[1] ) ? $n3[1] : '' ) );
$lines = cookie_shapes( $resp );
eq(
	'SameSite: logout clears the same cookies as stock WordPress, plus the attribute',
	$stock_logout,
	array_map(
		function ( $l ) {
			return str_replace( '; SameSite=Strict', '', $l );
		},
		$lines
	)
);
$cleared = preg_grep( '/^wordpress_test_cookie=/', $lines, PREG_GREP_INVERT );
check(
	'SameSite: every cleared cookie carries it (the test cookie is not an auth cookie)',
	17 === count( $cleared ) && count( preg_grep( '/; SameSite=Strict$/', $cleared ) ) === 17,
	implode( ' | ', $lines )
);
local_config( $site, null );

// ---- Fail closed over HTTP.

// A valid session and cookie made while Redis works...
$token  = manager( $uid )->create( time() + 3600 );
$exp    = manager( $uid )->get( $token )['expiration'];
$cookie = AUTH_COOKIE . '=' . rawurlencode( wp_generate_auth_cookie( $uid, $exp, 'auth', $token ) ) . '; '
	. LOGGED_IN_COOKIE . '=' . rawurlencode( wp_generate_auth_cookie( $uid, $exp, 'logged_in', $token ) );
$resp   = ( new Browser( $base ) )->request( '/wp-admin/profile.php', null, $cookie );
eq( 'HTTP: the cookie works while Redis is up', 200, $resp['status'] );

// ...then Redis is unreachable.
local_config( $site, array( 'WPGATE_REDIS_URL' => 'redis://127.0.0.1:' . closed_port() . '/0' ) );
$srv_at = file_size( $srv_log );
$resp   = ( new Browser( $base ) )->request( '/wp-admin/profile.php', null, $cookie );
eq( 'Redis down (HTTP): the cookie is refused (302 to the login), not an error page', 302, $resp['status'] );
check( 'Redis down (HTTP): redirected to wp-login.php', false !== strpos( implode( '', header_values( $resp, 'location' ) ), '/wp-login.php' ) );
$lines = preg_grep( '/wpgate-sessions:/', explode( "\n", log_since( $srv_log, $srv_at ) ) );
eq( 'Redis down (HTTP): one error_log line for the request', 1, count( $lines ) );
$resp = ( new Browser( $base ) )->request( '/', null, $cookie );
eq( 'Redis down (HTTP): the front page answers 200', 200, $resp['status'] );
check( 'Redis down (HTTP): the front page is no error page', ! is_error_page( $resp ) );
check( 'Redis down (HTTP): the front page does not show the user logged in', false === strpos( $resp['body'], 'id="wpadminbar"' ) );
$resp = ( new Browser( $base ) )->login( $site['WP_ADMIN_USER'], $site['WP_ADMIN_PASSWORD'] );
eq( 'Redis down (HTTP): the login form answers 200 (no wp_die, no fatal)', 200, $resp['status'] );
check( 'Redis down (HTTP): login refused with "Sessions are unavailable"', false !== strpos( $resp['body'], 'Sessions are unavailable' ) );
check( 'Redis down (HTTP): no logged-in cookie is sent', ! logged_in_cookie_set( $resp ) );
check( 'Redis down (HTTP): no error page', ! is_error_page( $resp ) );

// Redis that accepts the connection and never answers: the timeout bounds the request.
$hung = stream_socket_server( 'tcp://127.0.0.1:0' );
$hp   = (int) substr( strrchr( stream_socket_get_name( $hung, false ), ':' ), 1 );
local_config(
	$site,
	array(
		'WPGATE_REDIS_URL'     => "redis://127.0.0.1:$hp/0",
		'WPGATE_REDIS_TIMEOUT' => 0.5,
	)
);
$srv_at = file_size( $srv_log );
$resp   = ( new Browser( $base ) )->login( $site['WP_ADMIN_USER'], $site['WP_ADMIN_PASSWORD'] );
check( 'Redis hung (HTTP): login refused with "Sessions are unavailable"', false !== strpos( $resp['body'], 'Sessions are unavailable' ), 'status ' . $resp['status'] );
check( 'Redis hung (HTTP): the login answered within the timeout (< 3 s)', $resp['secs'] < 3.0, sprintf( '%.2fs', $resp['secs'] ) );
check( 'Redis hung (HTTP): the log line says why', (bool) preg_grep( '/wpgate-sessions: .*(timed out|read error|does not answer|unavailable)/i', explode( "\n", log_since( $srv_log, $srv_at ) ) ), trim( log_since( $srv_log, $srv_at ) ) );
fclose( $hung );

// Unusable settings fail closed too.
local_config( $site, array( 'WPGATE_REDIS_PREFIX' => 'bad{prefix}:' ) );
$srv_at = file_size( $srv_log );
$resp   = ( new Browser( $base ) )->login( $site['WP_ADMIN_USER'], $site['WP_ADMIN_PASSWORD'] );
check( 'bad prefix (HTTP): login refused', false !== strpos( $resp['body'], 'Sessions are unavailable' ) && ! logged_in_cookie_set( $resp ) );
check( 'bad prefix (HTTP): the log names WPGATE_REDIS_PREFIX', false !== strpos( log_since( $srv_log, $srv_at ), 'WPGATE_REDIS_PREFIX must not contain' ) );
local_config( $site, array( 'WPGATE_REDIS_URL' => 'http://127.0.0.1:6379' ) );
$srv_at = file_size( $srv_log );
$resp   = ( new Browser( $base ) )->login( $site['WP_ADMIN_USER'], $site['WP_ADMIN_PASSWORD'] );
check( 'bad URL (HTTP): login refused', false !== strpos( $resp['body'], 'Sessions are unavailable' ) && ! logged_in_cookie_set( $resp ) );
check( 'bad URL (HTTP): the log names WPGATE_REDIS_URL', false !== strpos( log_since( $srv_log, $srv_at ), 'WPGATE_REDIS_URL is not usable' ) );

// Back to normal.
local_config( $site, null );
$resp = ( new Browser( $base ) )->request( '/wp-admin/profile.php', null, $cookie );
eq( 'Redis back (HTTP): the same cookie works again', 200, $resp['status'] );
$resp = ( new Browser( $base ) )->login( $site['WP_ADMIN_USER'], $site['WP_ADMIN_PASSWORD'] );
eq( 'Redis back (HTTP): logins work again', 302, $resp['status'] );

$all_log = (string) @file_get_contents( $srv_log );
eq( 'the server logged no PHP error or warning from the drop-in', array(), array_values( preg_grep( '/PHP (Fatal|Warning|Notice|Parse).*wpgate-sessions\.php/', explode( "\n", $all_log ) ) ) );
eq( 'the server logged no fatal error at all', array(), array_values( preg_grep( '/PHP Fatal/', explode( "\n", $all_log ) ) ) );

wp_delete_user( $uid2 );
manager( $uid )->destroy_all();
finish();
