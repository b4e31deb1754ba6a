<?php
/**
 * A wp-config.php laid out like WordPress's wp-config-sample.php (same statements, same
 * order, same spacing style), with comments of our own.
 *
 * @package WordPress
 */

// ** Database settings ** //
/** Database name */
define( 'DB_NAME', 'database_name_here' );

/** Database user */
define( 'DB_USER', 'username_here' );

/** Database password */
define( 'DB_PASSWORD', 'password_here' );

/** Database host */
define( 'DB_HOST', 'localhost' );

/** Character set for new tables. */
define( 'DB_CHARSET', 'utf8' );

/** Collation; empty means the server default. */
define( 'DB_COLLATE', '' );

/**#@+
 * Keys and salts: replace each placeholder with a long random phrase.
 */
define( 'AUTH_KEY',         'put your unique phrase here' );
define( 'SECURE_AUTH_KEY',  'put your unique phrase here' );
define( 'LOGGED_IN_KEY',    'put your unique phrase here' );
define( 'NONCE_KEY',        'put your unique phrase here' );
define( 'AUTH_SALT',        'put your unique phrase here' );
define( 'SECURE_AUTH_SALT', 'put your unique phrase here' );
define( 'LOGGED_IN_SALT',   'put your unique phrase here' );
define( 'NONCE_SALT',       'put your unique phrase here' );

/**#@-*/

/**
 * Table prefix: letters, digits and underscores only.
 */
$table_prefix = 'wp_';

/**
 * Debugging mode.
 */
define( 'WP_DEBUG', false );

/* Add any custom values between this line and the "stop editing" line. */



/* That's all, stop editing! Happy publishing. */

/** Absolute path to the WordPress directory. */
if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}

/** Sets up WordPress vars and included files. */
require_once ABSPATH . 'wp-settings.php';
