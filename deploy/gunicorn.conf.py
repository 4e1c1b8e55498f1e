"""gunicorn settings for Kokemuspankki's web workers.

    gunicorn -c deploy/gunicorn.conf.py wsgi:app

Every value can be overridden from the environment (GUNICORN_BIND,
GUNICORN_WORKERS, GUNICORN_THREADS, GUNICORN_TIMEOUT). Logs: gunicorn's own
lines go to stderr as JSON like the app's; gunicorn's access log is off because
the app writes one JSON ``request`` line per request itself (with the request
id, and without the client address on the anonymous feedback channel).

Metrics: with ``PROMETHEUS_MULTIPROC_DIR`` set (systemd: a RuntimeDirectory),
the directory is emptied when gunicorn starts and each exiting worker is marked
dead, so /metrics sums the live workers of this instance.
"""

import multiprocessing
import os
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
#: Password hashing (Argon2, 64 MiB) is memory-bound: two workers per core is plenty.
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (a slow leak never grows for ever); jitter avoids all at once.
max_requests = 2000
max_requests_jitter = 200
# Requests arrive from the reverse proxy; the app's ProxyFix (PROXY_COUNT) reads the
# forwarded headers. Only the proxy may set them: keep bind on an internal address.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proxy_protocol = False
# gunicorn 27's control socket lives in the user's home (one per user, not per instance):
# systemd restarts and HUP reloads are all this deployment needs.
control_socket_disable = True

accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "app.ops.logs.JsonFormatter"}},
    # gunicorn's defaults name these two handlers (the root logger uses "console").
    "handlers": {
        name: {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
        for name in ("console", "error_console")
    },
    "root": {"level": loglevel.upper(), "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {
            "level": loglevel.upper(), "handlers": ["error_console"], "propagate": False,
        },
    },
}


def on_starting(server):
    """Empty the metrics directory of an earlier run (its files describe dead processes)."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        for old in path.glob("*.db"):
            old.unlink()


def child_exit(server, worker):
    """Tell prometheus-client that a worker is gone (its live gauges stop counting)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
