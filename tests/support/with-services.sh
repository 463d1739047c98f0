#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL and a real Redis on free loopback ports, unless
# DATABASE_URL / REDIS_URL are already given. Installs the Debian packages when missing and root.
# Usage: tests/support/with-services.sh COMMAND [ARGS...]
set -euo pipefail

# The suite's score-card tests predate HR digests (issue 22) and test a card per score; the
# digest tests (tests/digests/) set HR_SCORE_NOTIFY=digest, the product's default, themselves.
export HR_SCORE_NOTIFY="${HR_SCORE_NOTIFY:-each}"

workdir=$(mktemp -d /tmp/myinterviews-test.XXXXXX)
chmod 755 "$workdir"
pids=()
pgdata=""
pg_ctl_bin=""

cleanup() {
  set +e
  if [ -n "$pgdata" ] && [ -n "$pg_ctl_bin" ]; then
    run_as_pg "$pg_ctl_bin" -D "$pgdata" -m immediate stop >/dev/null 2>&1
  fi
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  rm -rf "$workdir"
}
trap cleanup EXIT INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "missing $* and not root: install it or set DATABASE_URL / REDIS_URL" >&2
    exit 1
  fi
  echo "installing Debian packages: $*" >&2
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  fi
}

# initdb refuses to run as root, so the cluster belongs to the postgres user.
run_as_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

if [ -z "${DATABASE_URL:-}" ]; then
  bindir=$(pg_bindir || true)
  if [ -z "$bindir" ]; then apt_install postgresql; bindir=$(pg_bindir); fi
  pg_ctl_bin="$bindir/pg_ctl"
  port=$(free_port)
  pgdata="$workdir/pgdata"
  mkdir -p "$pgdata"
  [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$workdir"
  run_as_pg "$bindir/initdb" -D "$pgdata" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  run_as_pg "$pg_ctl_bin" -D "$pgdata" -w -l "$workdir/pg.log" \
    -o "-p $port -k $workdir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
  run_as_pg "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres myinterviews_test
  export DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$port/myinterviews_test"
  echo "PostgreSQL on 127.0.0.1:$port" >&2
fi

if [ -z "${REDIS_URL:-}" ]; then
  if ! command -v redis-server >/dev/null 2>&1; then apt_install redis-server; fi
  port=$(free_port)
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$workdir" --logfile "$workdir/redis.log" &
  pids+=($!)
  for _ in $(seq 1 100); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  export REDIS_URL="redis://127.0.0.1:$port/0"
  # Tests that stop and restart Redis need to know how it was started.
  export TEST_REDIS_SERVER_BIN="$(command -v redis-server)"
  echo "Redis on 127.0.0.1:$port" >&2
fi

# The browser tests drive Debian's Chromium (no browser download); install it when we can.
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  apt_install chromium fonts-wqy-zenhei || echo "could not install chromium: browser tests skip" >&2
fi

"$@"
