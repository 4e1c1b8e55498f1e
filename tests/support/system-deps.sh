#!/usr/bin/env bash
# Make sure the Debian packages the project needs are present.
#
#   tests/support/system-deps.sh          PostgreSQL server, Chromium, Redis and HAProxy (for the tests)
#   tests/support/system-deps.sh venv     python3's venv module (for .venv)
#
# As root, installs what is missing with apt-get; otherwise prints what to
# install and exits 1. Silent when everything is already there.
set -euo pipefail

missing=()
case "${1:-tests}" in
    tests)
        if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
            missing+=(postgresql)
        fi
        if [[ ! -x /usr/bin/chromium ]]; then
            missing+=(chromium)
        fi
        # The shared rate-limit and cluster tests start their own Redis and HAProxy.
        if [[ ! -x /usr/bin/redis-server ]]; then
            missing+=(redis-server)
        fi
        if [[ ! -x /usr/sbin/haproxy ]]; then
            missing+=(haproxy)
        fi
        ;;
    venv)
        # Debian splits venv's ensurepip into python3-venv.
        if ! "${PYTHON3:-python3}" -c "import ensurepip, venv" >/dev/null 2>&1; then
            missing+=(python3-venv)
        fi
        ;;
    *)
        echo "usage: $0 [tests|venv]" >&2
        exit 2
        ;;
esac

if ((${#missing[@]} == 0)); then
    exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
    echo "Missing Debian packages: ${missing[*]}" >&2
    echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi

echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y "${missing[@]}"
