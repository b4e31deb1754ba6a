#!/usr/bin/env bash
# Proves the PHP drop-in (wordpress/wpgate-sessions.php) against a real WordPress and Redis:
# stands up a throw-away site with scripts/wp-up.sh --dropin (its own database, port and Redis
# prefix), runs compat-tests/php/dropin-test.php against it, then removes the site, its database
# and its keys. Prints PASS/FAIL lines and "N passed, M failed"; exits non-zero on any failure.
# A missing prerequisite is a failure with a message, never a skip.
#
#   compat-tests/run-dropin-tests.sh            with Debian's WordPress (/usr/share/wordpress)
#   WP_DIR=/path/to/wordpress compat-tests/run-dropin-tests.sh   with another WordPress tree
#   KEEP_SITE=1 ...                             keep the site running afterwards, for a look
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/lib.sh"

fail() { printf 'FAIL prerequisites: %s\n0 passed, 1 failed\n' "$*"; exit 1; }

command -v php >/dev/null || apt_install php-cli
command -v php >/dev/null || fail "php is not installed and could not be installed"

command -v openssl >/dev/null || apt_install openssl
command -v openssl >/dev/null || fail "openssl is not installed and could not be installed"
command -v redis-server >/dev/null || apt_install redis-server
command -v redis-server >/dev/null || fail "redis-server is not installed and could not be installed"

free_port() {
  php -r '$s = stream_socket_server("tcp://127.0.0.1:0"); echo substr(strrchr(stream_socket_get_name($s, false), ":"), 1);'
}
name=wpgate_dropin_$$
port=$(free_port)
# Glob characters in the prefix make the test check that SCAN patterns escape it.
prefix="wpgate-test-$$-[x]*?:"
sites=${WP_SITES_DIR:-$root/target/wp-sites}

side=$(mktemp -d)
side_pid=
cleanup() {
  local rc=$?
  [ -n "$side_pid" ] && kill "$side_pid" 2>/dev/null
  rm -rf "$side"
  if [ -z "${KEEP_SITE:-}" ]; then
    WP_SITES_DIR=$sites "$root/scripts/wp-up.sh" stop "$name" >/dev/null 2>&1 || true
    mariadb -h 127.0.0.1 -P 3306 -uroot -e "DROP DATABASE IF EXISTS \`$name\`" >/dev/null 2>&1 || true
    redis-cli -h 127.0.0.1 -p 6379 --scan --pattern "wpgate-test-$$-\\[x\\]\\*\\?:*" 2>/dev/null \
      | xargs -r -d '\n' redis-cli -h 127.0.0.1 -p 6379 unlink >/dev/null 2>&1 || true
    if [ "$rc" = 0 ]; then rm -rf "${sites:?}/$name"; else echo "(site files kept in $sites/$name)"; fi
  else
    echo "site kept: $sites/$name/site.env (stop with scripts/wp-up.sh stop $name)"
  fi
  exit "$rc"
}
trap cleanup EXIT

log "standing up WordPress site $name on 127.0.0.1:$port with the drop-in"
# WPGATE_REDIS_URL stays unset in wp-config.php: the test switches it off and on itself.
if ! env -u WPGATE_REDIS_URL WP_SITES_DIR="$sites" WP_URL="http://127.0.0.1:$port" \
  WPGATE_REDIS_PREFIX="$prefix" "$root/scripts/wp-up.sh" start "$name" --dropin --fresh >/dev/null; then
  fail "scripts/wp-up.sh could not start the site (see its output above)"
fi

# A second Redis of our own for the connection forms: passwords (ACL user and default user),
# TLS with a self-signed certificate, a Unix socket. Ended by its pid on exit.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
  -keyout "$side/key.pem" -out "$side/cert.pem" >/dev/null 2>&1 || fail "openssl could not make a certificate"
side_plain=$(free_port)
side_tls=$(free_port)
redis-server --bind 127.0.0.1 --port "$side_plain" --tls-port "$side_tls" \
  --tls-cert-file "$side/cert.pem" --tls-key-file "$side/key.pem" --tls-ca-cert-file "$side/cert.pem" \
  --tls-auth-clients no --unixsocket "$side/redis.sock" --unixsocketperm 700 \
  --requirepass side-default-pw --user wpg on '>side-acl-pw' '~*' '&*' '+@all' \
  --save '' --appendonly no --dir "$side" > "$side/redis.log" 2>&1 &
side_pid=$!
for _ in $(seq 50); do
  redis-cli -p "$side_plain" -a side-default-pw ping 2>/dev/null | grep -q PONG && break
  sleep 0.1
done
redis-cli -p "$side_plain" -a side-default-pw ping 2>/dev/null | grep -q PONG \
  || fail "the side redis-server (TLS, ACL) did not start: $(tail -3 "$side/redis.log")"

WPGATE_TEST_SIDE_PLAIN=$side_plain WPGATE_TEST_SIDE_TLS=$side_tls \
  WPGATE_TEST_SIDE_SOCKET=$side/redis.sock \
  php "$root/compat-tests/php/dropin-test.php" "$sites/$name"
