# Shared shell helpers for scripts/*: install and start what wpgate needs on Debian,
# idempotently. Sourced, never run.

WPGATE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
export REDIS_URL

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

_apt_updated=
# apt_install PKG...: installs the Debian packages that are not installed yet.
apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing packages ${missing[*]} and no apt-get to install them"
  log "installing ${missing[*]}"
  if [ -z "$_apt_updated" ]; then as_root apt-get update -qq >/dev/null; _apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
}

# ensure_redis: a Redis answering PING on 127.0.0.1:6379 (started without persistence), and
# the redis-server, redis-cli and openssl binaries: the store tests start private servers
# (reconnection, ACL, TLS, Cluster, Sentinel) on free loopback ports.
ensure_redis() {
  local need=()
  command -v redis-server >/dev/null || need+=(redis-server)
  command -v redis-cli >/dev/null || need+=(redis-tools)
  command -v openssl >/dev/null || need+=(openssl)
  [ ${#need[@]} -eq 0 ] || apt_install "${need[@]}"
  if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then return 0; fi
  log "starting redis-server on 127.0.0.1:6379"
  as_root mkdir -p /var/lib/redis /var/log/redis
  as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
    --appendonly no --dir /var/lib/redis --logfile /var/log/redis/wpgate.log
  for _ in $(seq 50); do
    redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  die "redis-server did not answer PING on 127.0.0.1:6379"
}

# ensure_mariadb: a MariaDB server on 127.0.0.1:3306 where root logs in without a password.
ensure_mariadb() {
  if mariadb -h 127.0.0.1 -P 3306 -uroot -e 'select 1' >/dev/null 2>&1; then return 0; fi
  apt_install mariadb-server mariadb-client
  if ! mariadb -h 127.0.0.1 -P 3306 -uroot -e 'select 1' >/dev/null 2>&1; then
    log "starting mariadbd"
    as_root mkdir -p /run/mysqld && as_root chown mysql:mysql /run/mysqld 2>/dev/null || true
    as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- \
      --user=mysql --bind-address=127.0.0.1 --port=3306
    for _ in $(seq 100); do
      mariadb -uroot -e 'select 1' >/dev/null 2>&1 && break
      sleep 0.2
    done
  fi
  # Debian's root uses unix_socket auth; the tests connect over TCP as root without a password.
  if ! mariadb -h 127.0.0.1 -P 3306 -uroot -e 'select 1' >/dev/null 2>&1; then
    as_root mariadb -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('')" \
      || die "cannot give MariaDB's root a TCP login"
  fi
  mariadb -h 127.0.0.1 -P 3306 -uroot -e 'select 1' >/dev/null 2>&1 \
    || die "MariaDB does not accept root on 127.0.0.1:3306"
}

# ensure_php: PHP 8 with phpredis and mysqli, Debian's WordPress, nginx and wrk: what the
# interop, compat and PHP-session tests run against.
ensure_php() {
  apt_install php-cli php-cgi php-fpm php-mysql php-redis php-mbstring php-xml php-curl nginx \
    wordpress curl wrk
}

# ensure_rust: cargo with rustfmt and clippy.
ensure_rust() {
  command -v cargo >/dev/null || die "cargo is not installed (https://rustup.rs)"
  cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
  cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
}
