#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite (see ../shared/TESTING.md).
#
#   eval "$(tests/support/pg-server.sh start)"   # sets PG_DIR, PG_PORT, PG_URL
#   ...                                          # use $PG_URL
#   tests/support/pg-server.sh stop "$PG_DIR"
#
# `start` creates a fresh cluster in a new temporary directory, listens on a
# free port on 127.0.0.1 only (plus a Unix socket inside that directory),
# creates the role `app` (password `app`, CREATEDB; a member of pg_signal_backend, so
# that `DROP DATABASE … WITH (FORCE)` of a scratch database may also stop an
# autovacuum worker that happens to be in it) and its database `app`, and
# prints shell assignments on stdout (progress goes to stderr). The same
# assignments are kept in "$PG_DIR/env". `stop DIR` stops the server at once
# and removes DIR. As root, the server runs as the `postgres` user (initdb and
# pg_ctl refuse root); otherwise it runs as the current user.
set -euo pipefail

usage() {
    echo "usage: $0 start | stop DIR" >&2
    exit 2
}

pg_bindir() {
    # The highest installed major version; sort -V orders 9.6 < 15 < 16.
    local dir
    dir=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    if [[ ! -x "$dir/initdb" ]]; then
        echo "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin" \
            "(run tests/support/system-deps.sh)" >&2
        exit 1
    fi
    echo "$dir"
}

# Run a PostgreSQL program as the user that owns the cluster.
as_pg() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Globals, not locals: the EXIT trap below runs after cmd_start returns.
started=""
dir=""
bin=""

cmd_start() {
    local port attempt
    bin=$(pg_bindir)
    if [[ $(id -u) -eq 0 ]]; then
        # /tmp itself, so that the postgres user can traverse every parent.
        dir=$(mktemp -d /tmp/kokemus-pg.XXXXXX)
        chown postgres:postgres "$dir"
    else
        dir=$(mktemp -d "${TMPDIR:-/tmp}/kokemus-pg.XXXXXX")
    fi
    chmod 700 "$dir"
    # Whatever goes wrong before the end, leave nothing behind.
    trap 'if [[ -z "$started" ]]; then
              as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
              rm -rf "$dir"
          fi' EXIT
    trap 'exit 130' INT TERM

    as_pg "$bin/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        exit 1
    }

    # Another process may take the port between choosing and binding it: retry.
    for attempt in 1 2 3 4 5; do
        port=$(free_port)
        if as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            start >/dev/null; then
            break
        fi
        if ((attempt == 5)); then
            cat "$dir/server.log" >&2
            exit 1
        fi
    done

    as_pg "$bin/psql" -X -q -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
        -c "CREATE ROLE app LOGIN PASSWORD 'app' CREATEDB" \
        -c "GRANT pg_signal_backend TO app" \
        -c "CREATE DATABASE app OWNER app" >&2

    {
        echo "PG_DIR=$dir"
        echo "PG_PORT=$port"
        echo "PG_URL=postgresql+psycopg://app:app@127.0.0.1:$port/app"
    } >"$dir/env"
    started=1
    echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') started on 127.0.0.1:$port in $dir" >&2
    cat "$dir/env"
}

cmd_stop() {
    local dir=${1:-${PG_DIR:-}}
    [[ -n "$dir" ]] || usage
    if [[ ! -d "$dir" ]]; then
        return 0
    fi
    # Refuse to remove anything that is not one of our clusters.
    if [[ ! -f "$dir/env" && ! -d "$dir/data" ]] || [[ "$(basename "$dir")" != kokemus-pg.* ]]; then
        echo "$dir does not look like a cluster made by $0; not removing it" >&2
        exit 1
    fi
    local bin
    bin=$(pg_bindir)
    if [[ -f "$dir/data/postmaster.pid" ]]; then
        as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    echo "PostgreSQL in $dir stopped and removed" >&2
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop "${2:-}" ;;
    *) usage ;;
esac
