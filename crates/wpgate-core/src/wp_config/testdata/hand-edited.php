<?php
# A hand-edited wp-config.php that uses every syntax the reader must get right.

/* A block comment: define('COMMENTED', 'block'); */
// define('COMMENTED', 'slashes');
# define('COMMENTED', 'hash');
/** define('COMMENTED', 'docblock'); */

DEFINE ( "DB_NAME" , "shop" ) ;
\define('DB_USER', 'shop_user');
define(
    'DB_PASSWORD',
    "p\x40ss\$word\\\"1\u{e9}",
);
define('DB_HOST', 'db.internal:3307');
Define('DB_CHARSET', 'utf8mb4', true);
define( constant_name: 'DB_COLLATE', value: "utf8mb4_unicode_520_ci" );

define('AUTH_KEY', 'it\'s a \\ backslash and a \n kept');
define('SECURE_AUTH_KEY', "tab\there \$dollar {brace} \101\x42\u{43}");
define('LOGGED_IN_KEY', <<<'KEY'
    nowdoc $not {$interpolated} \n
    KEY);
define('NONCE_KEY', <<<KEY
  heredoc \t "quotes" \$ok
  KEY
);
define('AUTH_SALT', 'con' . "cat" . ('enat' . 'ed'));
define('SECURE_AUTH_SALT', 0);
define('LOGGED_IN_SALT', getenv('LOGGED_IN_SALT'));
define('NONCE_SALT', $_SERVER['NONCE_SALT'] ?? 'fallback-salt-value');

define('DB_NAME', 'second_definition_is_ignored');

#[Attribute]
class Settings {
    const DB_USER = 'class constant';
    public function boot() { define('WP_HOME', 'never runs'); }
}

function configure() {
    define('WP_SITEURL', 'never runs either');
}

add_action('init', function () {
    define('COOKIE_DOMAIN', 'closure.example');
});

const WP_HOME = 'https://shop.example';
define('WP_SITEURL', WP_HOME . '/wp');
define('WP_CONTENT_URL', WP_HOME . '/content');
define('WP_PLUGIN_URL', WP_CONTENT_URL . '/plugins');
define('UPLOADS_DIR', __DIR__ . '/uploads');

ini_set('display_errors', '0');
$config = ['a' => define_like('x'), 'b' => [1, 2, 3], 'c' => "{$_SERVER["HTTP_HOST"]}"];
$obj->define('NOT_A_CONSTANT', 1);
Foo::define('NOT_A_CONSTANT_EITHER', 1);

if ( getenv('WP_ENV') === 'staging' ) {
    define('WP_DEBUG', true);
} else {
    define('WP_DEBUG', false);
}
define('FORCE_SSL_ADMIN', TRUE);
define('WP_MEMORY_LIMIT', 0x10_0);
define('EMPTY_TRASH_DAYS', -0b11);
define('AUTOSAVE_INTERVAL', 1_60.5e1);
define('WP_POST_REVISIONS', NULL);

$table_prefix  = 'shop_';
