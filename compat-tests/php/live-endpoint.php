<?php
/**
 * Installed by wpgate's live compat tests as <site>/wpgate-compat.php: reports what WordPress
 * makes of the request's cookies, with WordPress's own functions. Test sites only.
 *
 *   ?op=whoami                            {"logged_in", "id", "login"}: is_user_logged_in()
 *   ?op=nonce&action=A                    {"nonce"}: wp_create_nonce(A) for the current user
 *   ?op=verify_nonce&action=A&nonce=N     {"result": false|1|2}: wp_verify_nonce(N, A)
 *   ?op=settings                          {"settings", "option"}: get_all_user_settings() and
 *                                         the stored user-settings option
 *   ?op=set_setting&name=N&value=V        set_user_setting(N, V) (stores the option only)
 */

require __DIR__ . '/wp-load.php';

nocache_headers();
header( 'Content-Type: application/json' );

$op   = isset( $_GET['op'] ) ? (string) $_GET['op'] : 'whoami';
$user = wp_get_current_user();
$arg  = function ( $name ) {
	return isset( $_GET[ $name ] ) ? wp_unslash( (string) $_GET[ $name ] ) : '';
};

switch ( $op ) {
	case 'whoami':
		$out = array(
			'logged_in' => is_user_logged_in(),
			'id'        => get_current_user_id(),
			'login'     => $user->exists() ? $user->user_login : '',
		);
		break;
	case 'nonce':
		$out = array( 'nonce' => wp_create_nonce( $arg( 'action' ) ) );
		break;
	case 'verify_nonce':
		$out = array( 'result' => wp_verify_nonce( $arg( 'nonce' ), $arg( 'action' ) ) );
		break;
	case 'settings':
		$out = array(
			'settings' => (object) get_all_user_settings(),
			'option'   => $user->exists() ? (string) get_user_option( 'user-settings', $user->ID ) : '',
		);
		break;
	case 'set_setting':
		$out = array( 'stored' => (bool) set_user_setting( $arg( 'name' ), $arg( 'value' ) ) );
		break;
	default:
		status_header( 400 );
		$out = array( 'error' => "unknown op $op" );
}
echo wp_json_encode( $out );
