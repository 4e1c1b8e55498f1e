#!/usr/bin/env bash
# The backup drill: a backup counts only when it has been restored.
#
#   tests/support/backup-drill.sh          (make backup-drill; make test runs it too)
#
# Starts a throwaway PostgreSQL server (tests/support/pg-server.sh), fills a
# database with the reference and demo data, dumps it with pg_dump (custom
# format), restores the dump into a fresh database with pg_restore, runs
# `flask db upgrade` on it and a smoke test (tests/support/backup_smoke.py:
# every table's row count as in the source; sign in, read an order, make and
# download a payment batch). Prints the sizes and times; exits non-zero when a
# step fails. Everything is removed afterwards.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
PYTHON=${PYTHON:-.venv/bin/python}
FLASK=("$PYTHON" -m flask --app wsgi)

PG_DIR=""
WORK=""
cleanup() {
    [[ -n "$PG_DIR" ]] && tests/support/pg-server.sh stop "$PG_DIR" || true
    [[ -n "$WORK" ]] && rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The client programs of the server's own version (pg_dump refuses newer servers).
PG_BIN=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

state=$(tests/support/pg-server.sh start)
eval "$state"  # PG_DIR, PG_PORT, PG_URL
WORK=$(mktemp -d "${TMPDIR:-/tmp}/kokemus-drill.XXXXXX")
SOURCE="postgresql://app:app@127.0.0.1:$PG_PORT/app"
RESTORED="postgresql://app:app@127.0.0.1:$PG_PORT/restored"
DUMP="$WORK/kokemuspankki.dump"

declare -a timings=()
# step NAME COMMAND...: run it quietly (its output is shown only when it fails), time it.
step() {
    local name=$1 started elapsed
    shift
    started=${EPOCHREALTIME/[.,]/}
    if ! "$@" >"$WORK/step.log" 2>&1; then
        echo "BACKUP DRILL FAILED at: $name" >&2
        cat "$WORK/step.log" >&2
        exit 1
    fi
    elapsed=$((${EPOCHREALTIME/[.,]/} - started))  # microseconds
    timings+=("$(printf '  %-44s %4d.%02d s' "$name" $((elapsed / 1000000)) \
        $((elapsed % 1000000 / 10000)))")
}

database_size() {
    "$PG_BIN/psql" -X -q -t -A "$SOURCE" \
        -c "SELECT pg_size_pretty(pg_database_size('$1'))"
}

with_db() {
    local url=$1
    shift
    env DATABASE_URL="$url" KOKEMUSPANKKI_ENV=development INSTANCE_PATH="$WORK/instance" "$@"
}

# The identity-code key is part of the backup: codes encrypted with one key are read
# with the same key after the restore (the seeding and the smoke test share it).
IDENTITY_CODE_KEY=$("$PYTHON" -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')
export IDENTITY_CODE_KEY

echo "=== Backup drill on PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') ==="
prepare() {  # `&&`: set -e does not apply inside step's `if`
    with_db "$SOURCE" "${FLASK[@]}" db upgrade &&
        with_db "$SOURCE" "${FLASK[@]}" load-reference &&
        with_db "$SOURCE" "${FLASK[@]}" seed-demo
}

step "prepare: migrate, reference and demo data" prepare
step "pg_dump (custom format)" "$PG_BIN/pg_dump" --format=custom --no-owner --file="$DUMP" "$SOURCE"
step "create a fresh database" "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$SOURCE" \
    -c "CREATE DATABASE restored"
step "pg_restore into it" "$PG_BIN/pg_restore" --exit-on-error --no-owner \
    --dbname="$RESTORED" "$DUMP"
step "flask db upgrade on the restored copy" with_db "$RESTORED" "${FLASK[@]}" db upgrade
step "smoke test on the restored copy" "$PYTHON" -m tests.support.backup_smoke \
    --source "postgresql+psycopg://app:app@127.0.0.1:$PG_PORT/app" \
    --restored "postgresql+psycopg://app:app@127.0.0.1:$PG_PORT/restored"
cat "$WORK/step.log"

echo "Sizes:"
printf '  %-44s %s\n' "source database" "$(database_size app)"
printf '  %-44s %s\n' "restored database" "$(database_size restored)"
printf '  %-44s %s\n' "dump file" "$(du -h "$DUMP" | cut -f1) ($(stat -c %s "$DUMP") bytes)"
echo "Times:"
printf '%s\n' "${timings[@]}"
echo "=== Backup drill passed ==="
