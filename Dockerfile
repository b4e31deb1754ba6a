# syntax=docker/dockerfile:1
# wpgate: the service and CLI in a small Debian image.
#   docker build -t wpgate .
#   docker run --rm -p 8787:8787 -e WPGATE_DB_HOST=… wpgate serve --listen 0.0.0.0:8787
# See docker-compose.yml for a whole stack (Redis, MariaDB, WordPress + the drop-in, nginx).
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
# BuildKit caches: the registry and the target directory survive between builds.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p wpgate --bin wpgate \
    && cp target/release/wpgate /usr/local/bin/wpgate

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/local/bin/wpgate /usr/local/bin/wpgate
USER nobody
EXPOSE 8787
HEALTHCHECK --interval=10s --timeout=2s CMD curl -fsS http://127.0.0.1:8787/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/wpgate"]
CMD ["serve", "--listen", "0.0.0.0:8787"]
