<?php
/**
 * Creates the live compat tests' users in a site made by scripts/wp-up.sh, one per password
 * hash format the WordPress version verifies, and prints them as JSON on stdout:
 *
 *   php live-setup.php SITE_DIR < passwords.json
 *
 * stdin: {"login": "password", ...} for the logins wanted. The user named `*_wp` gets the hash
 * wp_insert_user() makes (the version's default format); `*_phpass` a portable phpass `$P$`
 * hash, `*_bcrypt` a PHP password_hash() `$2y$`, `*_md5` a legacy unsalted MD5, all written
 * straight into wp_users.user_pass as old sites and imports leave them. Existing users of those
 * names are deleted first. Output: [{"login", "id", "format", "hash_prefix"}].
 */

if ( PHP_SAPI !== 'cli' || ! isset( $argv[1] ) ) {
	fwrite( STDERR, "usage: php live-setup.php SITE_DIR < passwords.json\n" );
	exit( 2 );
}
$site = json_decode( (string) file_get_contents( $argv[1] . '/site.json' ), true );
$want = json_decode( (string) stream_get_contents( STDIN ), true );
if ( ! is_array( $site ) || ! is_array( $want ) ) {
	fwrite( STDERR, "live-setup.php: bad site.json or stdin\n" );
	exit( 2 );
}
$url                        = parse_url( $site['WP_URL'] );
$_SERVER['HTTP_HOST']       = $url['host'] . ( isset( $url['port'] ) ? ':' . $url['port'] : '' );
$_SERVER['SERVER_NAME']     = $url['host'];
$_SERVER['REQUEST_URI']     = '/';
$_SERVER['REQUEST_METHOD']  = 'GET';
$_SERVER['REMOTE_ADDR']     = '127.0.0.1';
$_SERVER['HTTP_USER_AGENT'] = 'wpgate live-setup.php';

require $site['WP_ABSPATH'] . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/user.php';
require_once ABSPATH . WPINC . '/class-phpass.php';

global $wpdb;
$out = array();
foreach ( $want as $login => $password ) {
	$existing = get_user_by( 'login', $login );
	if ( $existing ) {
		wp_delete_user( $existing->ID );
	}
	$id = wp_insert_user(
		array(
			'user_login'   => $login,
			'user_pass'    => $password,
			'user_email'   => $login . '@example.com',
			'display_name' => 'Live ' . $login,
			'role'         => 'editor',
		)
	);
	if ( is_wp_error( $id ) ) {
		fwrite( STDERR, "cannot create $login: " . $id->get_error_message() . "\n" );
		exit( 1 );
	}
	$format = substr( $login, strrpos( $login, '_' ) + 1 );
	$hash   = null;
	switch ( $format ) {
		case 'phpass':
			$hash = ( new PasswordHash( 8, true ) )->HashPassword( $password );
			break;
		case 'bcrypt':
			$hash = password_hash( $password, PASSWORD_BCRYPT );
			break;
		case 'md5':
			$hash = md5( $password );
			break;
	}
	if ( null !== $hash ) {
		$wpdb->update( $wpdb->users, array( 'user_pass' => $hash ), array( 'ID' => $id ) );
		clean_user_cache( $id );
	}
	$stored = (string) $wpdb->get_var( $wpdb->prepare( "SELECT user_pass FROM $wpdb->users WHERE ID = %d", $id ) );
	$out[]  = array(
		'login'       => $login,
		'id'          => $id,
		'format'      => $format,
		'hash_prefix' => 32 === strlen( $stored ) && ctype_xdigit( $stored ) ? 'md5' : substr( $stored, 0, strpos( $stored, '$', 1 ) + 1 ),
	);
}
echo json_encode( $out ), "\n";
