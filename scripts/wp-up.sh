#!/usr/bin/env bash
# Stands up a real WordPress site for tests and demos, non-interactively and idempotently:
# packages (apt, only what is missing), Redis and MariaDB, a per-site copy of a WordPress tree,
# a database, a generated wp-config.php, WordPress's own wp_install(), and `php -S` serving it.
#
#   scripts/wp-up.sh [start] [NAME] [--dropin] [--fresh]   start (or restart) site NAME
#   scripts/wp-up.sh stop NAME                             stop its server
#   scripts/wp-up.sh env NAME                              print the path of its site.env
#
# NAME (default wpgate_demo) names the site and, unless WP_DB_NAME says otherwise, its database.
# --dropin  installs wordpress/wpgate-sessions.php as a must-use plugin (without it, removed)
# --fresh   drops the database and the site directory first (new salts, new password)
#
# Environment (all optional):
#   WP_DIR             WordPress tree to serve               /usr/share/wordpress (Debian's)
#   WP_URL             http://HOST:PORT it answers on        http://127.0.0.1:8080
#   WP_SITES_DIR       where sites live                      <repo>/target/wp-sites
#   WP_DB_NAME WP_DB_HOST WP_DB_USER WP_DB_PASSWORD           NAME, 127.0.0.1:3306, root, ''
#   WP_TABLE_PREFIX    table prefix                          wp_
#   WP_ADMIN_USER WP_ADMIN_PASSWORD WP_ADMIN_EMAIL            admin, generated, admin@example.com
#   AUTH_KEY SECURE_AUTH_KEY LOGGED_IN_KEY NONCE_KEY AUTH_SALT SECURE_AUTH_SALT LOGGED_IN_SALT
#   NONCE_SALT         known keys and salts                  reused from the last run, else generated
#   WPGATE_REDIS_URL WPGATE_REDIS_PREFIX                      written into wp-config.php when set
#   WP_SERVER_WORKERS  php -S worker processes               4
#
# Everything the tests need (URL, admin login, salts, paths, log files) is written to
# $WP_SITES_DIR/NAME/site.env (shell) and site.json, mode 0600, outside version control.
# The site is a writable copy of WP_DIR's core (Debian's tree is read-only and its own
# wp-config.php reads /etc/wordpress), with its own wp-content: the tree's themes are linked in,
# plugins and mu-plugins are the site's.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit "${1:-0}"; }

action=start
case "${1:-}" in
  start | stop | env) action=$1; shift ;;
  -h | --help) usage 0 ;;
esac
name=
dropin=0
fresh=0
for arg in "$@"; do
  case "$arg" in
    --dropin) dropin=1 ;;
    --fresh) fresh=1 ;;
    -h | --help) usage 0 ;;
    -*) die "unknown option $arg (see --help)" ;;
    *) [ -z "$name" ] || die "one site name only"; name=$arg ;;
  esac
done
name=${name:-wpgate_demo}
[[ "$name" =~ ^[A-Za-z0-9_]{1,48}$ ]] || die "site name '$name' must be 1-48 of [A-Za-z0-9_]"

WP_SITES_DIR=${WP_SITES_DIR:-$WPGATE_ROOT/target/wp-sites}
site=$WP_SITES_DIR/$name

# stop_site: ends the server this script started for the site (its process group), if any.
stop_site() {
  local pid
  [ -f "$site/server.pid" ] || return 0
  pid=$(cat "$site/server.pid")
  if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    log "stopping the server of site $name (process group $pid)"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$site/server.pid"
}

case "$action" in
  stop)
    stop_site
    exit 0
    ;;
  env)
    [ -f "$site/site.env" ] || die "site $name does not exist ($site/site.env)"
    echo "$site/site.env"
    exit 0
    ;;
esac

# ---- prerequisites -------------------------------------------------------------------------
apt_install php-cli php-cgi php-fpm php-mysql php-redis php-mbstring php-xml php-curl nginx \
  wordpress mariadb-server mariadb-client redis-server redis-tools curl
php_modules=$(php -m)
for ext in redis mysqli mbstring xml curl; do
  grep -qix "$ext" <<< "$php_modules" || die "the PHP CLI lacks the $ext extension (php-${ext/mysqli/mysql})"
done
ensure_redis
ensure_mariadb

WP_DIR=${WP_DIR:-/usr/share/wordpress}
WP_DIR=$(cd "$WP_DIR" 2>/dev/null && pwd -P) || die "WP_DIR does not exist"
for f in wp-load.php wp-settings.php wp-includes/version.php wp-admin/includes/upgrade.php; do
  [ -f "$WP_DIR/$f" ] || die "WP_DIR=$WP_DIR is not a WordPress tree (no $f)"
done
WP_VERSION=$(php -r 'include $argv[1]; echo $wp_version;' "$WP_DIR/wp-includes/version.php")

WP_URL=${WP_URL:-http://127.0.0.1:8080}
WP_URL=${WP_URL%/}
[[ "$WP_URL" =~ ^http://([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):([0-9]+)$ ]] \
  || die "WP_URL=$WP_URL must be http://HOST:PORT (php -S serves plain HTTP, at the root path)"
bind="${BASH_REMATCH[1]}:${BASH_REMATCH[2]}"

WP_DB_NAME=${WP_DB_NAME:-$name}
[[ "$WP_DB_NAME" =~ ^[A-Za-z0-9_]{1,64}$ ]] || die "WP_DB_NAME must be 1-64 of [A-Za-z0-9_]"
WP_DB_HOST=${WP_DB_HOST:-127.0.0.1:3306}
WP_DB_USER=${WP_DB_USER:-root}
WP_DB_PASSWORD=${WP_DB_PASSWORD:-}
WP_TABLE_PREFIX=${WP_TABLE_PREFIX:-wp_}
db_args=(-h "${WP_DB_HOST%%:*}" -u "$WP_DB_USER")
[[ "$WP_DB_HOST" == *:* ]] && db_args+=(-P "${WP_DB_HOST##*:}")
[ -n "$WP_DB_PASSWORD" ] && db_args+=("-p$WP_DB_PASSWORD")

# ---- the site directory --------------------------------------------------------------------
stop_site
if [ "$fresh" = 1 ]; then
  log "--fresh: removing database $WP_DB_NAME and $site"
  mariadb "${db_args[@]}" -e "DROP DATABASE IF EXISTS \`$WP_DB_NAME\`"
  rm -rf "$site"
fi
mkdir -p "$site/htdocs"
chmod 700 "$site"

# The core is copied (symlinks would not do: WordPress finds wp-config.php and wp-load.php from
# __DIR__, which PHP resolves through symlinks back into WP_DIR). Re-copied when WP_DIR changes.
stamp="$WP_DIR $WP_VERSION"
if [ "$(cat "$site/core.stamp" 2>/dev/null)" != "$stamp" ]; then
  log "copying WordPress $WP_VERSION from $WP_DIR"
  find "$site/htdocs" -mindepth 1 -maxdepth 1 ! -name wp-content ! -name wp-config-local.php \
    -exec rm -rf {} +
  for entry in "$WP_DIR"/* "$WP_DIR"/.[!.]*; do
    [ -e "$entry" ] || continue
    case "$(basename "$entry")" in wp-content | wp-config.php) continue ;; esac
    cp -RL "$entry" "$site/htdocs/"
  done
  chmod -R u+w "$site/htdocs"
  echo "$stamp" > "$site/core.stamp"
fi
content=$site/htdocs/wp-content
mkdir -p "$content/themes" "$content/plugins" "$content/mu-plugins" "$content/uploads"
for theme in "$WP_DIR"/wp-content/themes/*/; do
  [ -d "$theme" ] || continue
  ln -sfn "${theme%/}" "$content/themes/$(basename "$theme")"
done
# A test site sends no mail (wp_install() and password changes would try /usr/sbin/sendmail).
cat > "$content/mu-plugins/wpgate-site-nomail.php" <<'PHP'
<?php
// Installed by wpgate's scripts/wp-up.sh: a test site sends no mail.
add_filter( 'pre_wp_mail', '__return_false' );
PHP
if [ "$dropin" = 1 ]; then
  cp "$WPGATE_ROOT/wordpress/wpgate-sessions.php" "$content/mu-plugins/wpgate-sessions.php"
else
  rm -f "$content/mu-plugins/wpgate-sessions.php"
fi

cat > "$site/router.php" <<'PHP'
<?php
// php -S router: real files as they are, everything else through WordPress's index.php.
$root = $_SERVER['DOCUMENT_ROOT'];
$path = rawurldecode( (string) parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH ) );
if ( '/' !== $path && ( is_file( $root . $path )
	|| ( is_dir( $root . $path ) && is_file( rtrim( $root . $path, '/' ) . '/index.php' ) ) ) ) {
	return false;
}
if ( '/' === $path ) {
	return false;
}
$_SERVER['SCRIPT_NAME']     = '/index.php';
$_SERVER['PHP_SELF']        = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = $root . '/index.php';
chdir( $root );
require $root . '/index.php';
PHP

# ---- configuration, database, install ------------------------------------------------------
export WP_SITE_NAME=$name WP_DIR WP_VERSION WP_URL WP_DB_NAME WP_DB_HOST WP_DB_USER \
  WP_DB_PASSWORD WP_TABLE_PREFIX WP_DROPIN=$dropin
php "$WPGATE_ROOT/scripts/wp-site.php" config "$site"
mariadb "${db_args[@]}" -e "CREATE DATABASE IF NOT EXISTS \`$WP_DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
log "installing WordPress $WP_VERSION into database $WP_DB_NAME"
php -d display_errors=stderr -d error_reporting=E_ALL\&~E_DEPRECATED \
  "$WPGATE_ROOT/scripts/wp-site.php" install "$site" >&2 \
  || die "wp_install() failed (see above)"

# ---- the server ----------------------------------------------------------------------------
if curl -s -o /dev/null --max-time 1 "$WP_URL/"; then
  die "something already answers on $WP_URL (not this site's server): choose another WP_URL"
fi
: > "$site/server.log"
log "serving $WP_URL from $site/htdocs (php -S; log $site/server.log, PHP errors $site/php-error.log)"
# setsid: the server and its workers form one process group, which `stop` ends.
PHP_CLI_SERVER_WORKERS=${WP_SERVER_WORKERS:-4} setsid php \
  -d display_errors=0 -d log_errors=1 -d error_log="$site/php-error.log" \
  -d error_reporting=E_ALL\&~E_DEPRECATED -d variables_order=EGPCS \
  -S "$bind" -t "$site/htdocs" "$site/router.php" \
  >> "$site/server.log" 2>&1 < /dev/null &
echo $! > "$site/server.pid"
for _ in $(seq 100); do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$WP_URL/wp-login.php" || true)
  [ "$code" = 200 ] && break
  kill -0 "$(cat "$site/server.pid")" 2>/dev/null || die "the server exited: $(tail -5 "$site/server.log")"
  sleep 0.1
done
[ "$code" = 200 ] || die "$WP_URL/wp-login.php answers $code, not 200 (see $site/server.log)"

# shellcheck disable=SC1091
. "$site/site.env"
log "WordPress $WP_VERSION is up at $WP_URL (admin '$WP_ADMIN_USER', drop-in: $([ "$dropin" = 1 ] && echo on || echo off))"
log "site settings and secrets: $site/site.env"
echo "$site/site.env"
