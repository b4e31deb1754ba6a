#!/usr/bin/env bash
# Starts a Redis on 127.0.0.1:6379 unless one already answers there (idempotent), so the Redis
# tests can be run by hand:
#
#   scripts/start-redis.sh && cargo test --test store
#
# REDIS_URL (default redis://127.0.0.1:6379) is what the tests then use.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ensure_redis
log "Redis answers on 127.0.0.1:6379 ($(redis-cli -h 127.0.0.1 -p 6379 info server | tr -d '\r' | sed -n 's/^redis_version://p'))"
