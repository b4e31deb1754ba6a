# Shared by scripts/soak and scripts/bench-vs-php: a release wpgate next to a real WordPress
# site (scripts/wp-up.sh, with the Redis session drop-in), a logged-in cookie, and cleanup.
# Sourced after scripts/lib.sh, never run.

BENCH_DIR=${BENCH_DIR:-$WPGATE_ROOT/target/bench}
BENCH_PIDS=()

# bench_cleanup: stops every process the bench started (by pid, never by name).
bench_cleanup() {
  local pid
  for pid in "${BENCH_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${BENCH_PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  BENCH_PIDS=()
}

# free_port: a free loopback TCP port.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_http URL: waits up to 20 s for URL to answer at all.
wait_http() {
  for _ in $(seq 200); do
    curl -s -o /dev/null --max-time 1 "$1" && return 0
    sleep 0.1
  done
  die "$1 does not answer"
}

# bench_build: the release binary, in $WPGATE_BIN.
bench_build() {
  log "building wpgate (release)"
  (cd "$WPGATE_ROOT" && cargo build --release --quiet --bin wpgate) || die "cargo build failed"
  WPGATE_BIN=${CARGO_TARGET_DIR:-$WPGATE_ROOT/target}/release/wpgate
  [ -x "$WPGATE_BIN" ] || die "no binary at $WPGATE_BIN"
}

# bench_site NAME URL: a WordPress site at URL (scripts/wp-up.sh, Redis session drop-in, Redis
# prefix of its own), its php -S server stopped again (the caller serves it); loads site.env.
bench_site() {
  local name=$1 url=$2 env
  BENCH_REDIS_PREFIX="wpgate-bench-$name:"
  env=$(WP_URL=$url WPGATE_REDIS_URL=$REDIS_URL WPGATE_REDIS_PREFIX=$BENCH_REDIS_PREFIX \
    "$WPGATE_ROOT/scripts/wp-up.sh" start "$name" --dropin | tail -1)
  "$WPGATE_ROOT/scripts/wp-up.sh" stop "$name"
  # shellcheck disable=SC1090
  . "$env"
}

# bench_wpgate PORT: starts the release wpgate for the loaded site (Redis sessions) on PORT,
# sets WPGATE_PID and WPGATE_URL. Request logging is off (RUST_LOG=warn): it would measure the
# terminal.
bench_wpgate() {
  local port=$1
  mkdir -p "$BENCH_DIR"
  RUST_LOG=${BENCH_RUST_LOG:-warn} WPGATE_LOG_FORMAT=json "$WPGATE_BIN" serve \
    --wp-config "$WP_CONFIG" --sessions redis --listen "127.0.0.1:$port" \
    > "$BENCH_DIR/wpgate-$port.log" 2>&1 &
  WPGATE_PID=$!
  BENCH_PIDS+=("$WPGATE_PID")
  WPGATE_URL=http://127.0.0.1:$port
  wait_http "$WPGATE_URL/healthz"
}

# bench_wpgate_cookie: logs the site's admin in through wpgate (POST /v1/login) and prints the
# Cookie header a browser would send next.
bench_wpgate_cookie() {
  curl -s -D - -o /dev/null --data-urlencode "log=$WP_ADMIN_USER" \
    --data-urlencode "pwd=$WP_ADMIN_PASSWORD" "$WPGATE_URL/v1/login" \
    | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\);.*/\1/p' | paste -sd ';' | sed 's/;/; /g'
}

# rss_kib PID: the resident set size of PID in KiB.
rss_kib() {
  awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}
