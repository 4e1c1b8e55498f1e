#!/usr/bin/env bash
# Run the whole test suite on SQLite, on a throwaway PostgreSQL server, or both.
#
#   tests/support/run-suite.sh [sqlite|postgres|all]     (default: all)
#
# PYTHON selects the interpreter (default .venv/bin/python); PYTEST_ARGS is
# passed on to pytest (shell quoting allowed, e.g. PYTEST_ARGS='-k "login and not api"').
# The PostgreSQL server is started on a free loopback port and always stopped
# and removed afterwards, also when the suite fails or is interrupted.
# Exits non-zero when any run fails.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
PYTHON=${PYTHON:-.venv/bin/python}
eval "pytest_args=(${PYTEST_ARGS:-})"
PG_DIR=""

cleanup() {
    if [[ -n "$PG_DIR" ]]; then
        tests/support/pg-server.sh stop "$PG_DIR" || true
        PG_DIR=""
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

run_sqlite() {
    echo "=== Test suite on SQLite ==="
    # The suite makes its own SQLite files in pytest's temporary directory.
    env -u TEST_DATABASE_URL "$PYTHON" -m pytest "${pytest_args[@]}"
}

run_postgres() {
    echo "=== Test suite on PostgreSQL ==="
    local state status
    state=$(tests/support/pg-server.sh start) || return 1
    eval "$state"  # PG_DIR, PG_PORT, PG_URL
    TEST_DATABASE_URL="postgresql+psycopg://app:app@127.0.0.1:$PG_PORT/app" \
        "$PYTHON" -m pytest "${pytest_args[@]}"
    status=$?
    cleanup
    return $status
}

declare -A results=()
declare -A names=([sqlite]=SQLite [postgres]=PostgreSQL)
failed=0
case "${1:-all}" in
    sqlite) targets=(sqlite) ;;
    postgres) targets=(postgres) ;;
    all) targets=(sqlite postgres) ;;
    *)
        echo "usage: $0 [sqlite|postgres|all]" >&2
        exit 2
        ;;
esac

# The passes of this run: with both, the SQLite pass leaves the browser tests that the
# PostgreSQL pass runs to it (tests/browser/conftest.py), so each browser check runs once.
export TEST_PASSES=${TEST_PASSES:-${targets[*]}}

for target in "${targets[@]}"; do
    "run_$target"
    status=$?
    # pytest exits 2 when interrupted with Ctrl-C: stop here rather than go on.
    if ((status == 2)); then
        echo "=== Test suite on ${names[$target]} interrupted ===" >&2
        exit 2
    fi
    if ((status == 0)); then
        results[$target]="passed"
    else
        results[$target]="FAILED (exit $status)"
        failed=1
    fi
done

if ((${#targets[@]} > 1)); then
    echo "=== Summary ==="
    # The passes of this run: with both, the SQLite pass leaves the browser tests that the
# PostgreSQL pass runs to it (tests/browser/conftest.py), so each browser check runs once.
export TEST_PASSES=${TEST_PASSES:-${targets[*]}}

for target in "${targets[@]}"; do
        echo "  ${names[$target]}: ${results[$target]}"
    done
fi
exit $failed
