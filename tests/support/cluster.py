"""Real processes on loopback: gunicorn instances, HAProxy, schedulers, Redis and an SMTP sink.

Used by the cluster test (tests/test_cluster.py), the shared-limit test
(tests/test_shared_rate_limits.py) and `make bench-cluster`. Every process is
started in its own session (process group), so `Processes.kill` can SIGKILL an
instance with its workers by that group's id, and `Processes.close` stops
whatever is left. Every wait is bounded and fails with the process's log.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HAPROXY = "/usr/sbin/haproxy"
REDIS_SERVER = "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check: Callable[[], bool], what: str, timeout: float = 30.0,
               log: Path | None = None) -> None:
    """Poll ``check`` every 0.1 s until it is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (OSError, requests.RequestException):
            pass
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise TimeoutError(f"{what} not ready after {timeout} s\n{tail}")


def answers(url: str) -> bool:
    return requests.get(url, timeout=2).status_code == 200


class Processes:
    """The processes of one test or benchmark; each in its own process group."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.running: dict[str, subprocess.Popen] = {}

    def log(self, name: str) -> Path:
        return self.directory / f"{name}.log"

    def start(self, name: str, argv: list[str], env: dict[str, str] | None = None
              ) -> subprocess.Popen:
        with open(self.log(name), "ab") as out:
            process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out,
                                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       start_new_session=True)
        self.running[name] = process
        return process

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to the whole process group of ``name`` (an instance and its workers)."""
        process = self.running.pop(name)
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        process.wait(timeout=30)

    def close(self) -> None:
        for name in list(self.running):
            process = self.running[name]
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)
                except ProcessLookupError:
                    pass
            del self.running[name]

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def start_redis(processes: Processes, name: str = "redis") -> str:
    """A throwaway Redis on a free loopback port, nothing saved; returns its URL."""
    import redis

    port = free_port()
    processes.start(name, [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1",
                           "--save", "", "--appendonly", "no", "--dir", str(processes.directory)])
    url = f"redis://127.0.0.1:{port}/0"

    def pings() -> bool:
        try:
            return redis.Redis.from_url(url).ping()
        except redis.ConnectionError:
            return False

    wait_until(pings, "Redis", 15, processes.log(name))
    return url


def app_environment(database_url: str, *, instance_path: Path, secret_key: str,
                    **settings: str) -> dict[str, str]:
    """The environment of a web instance or scheduler: the same for all of them."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("TEST_", "PYTEST", "KOKEMUSPANKKI_", "RATELIMIT_"))}
    env.update({
        "KOKEMUSPANKKI_ENV": "development",
        "DATABASE_URL": database_url,
        "SECRET_KEY": secret_key,
        "INSTANCE_PATH": str(instance_path),
        "PYTHONUNBUFFERED": "1",
    })
    env.update({key: str(value) for key, value in settings.items()})
    return env


ACCESS_LOG_FORMAT = '%(s)s %(m)s "%(U)s"'


def start_web(processes: Processes, name: str, env: dict[str, str], *, workers: int = 2,
              port: int | None = None) -> str:
    """``gunicorn wsgi:app`` with ``workers`` workers on loopback; returns its base URL.

    Ready when its sign-in page answers 200. Its access log (status, method,
    path) is ``<name>.access.log`` in the processes' directory.
    """
    port = port or free_port()
    access = processes.directory / f"{name}.access.log"
    processes.start(name, [str(BIN / "gunicorn"), "--workers", str(workers),
                           "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "5",
                           "--access-logfile", str(access),
                           "--access-logformat", ACCESS_LOG_FORMAT, "wsgi:app"], env)
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: answers(f"{url}/login"), f"web instance {name}", 60, processes.log(name))
    return url


def access_statuses(processes: Processes, name: str) -> Counter:
    """Status codes that instance ``name`` answered, from its access log."""
    path = processes.directory / f"{name}.access.log"
    text = path.read_text() if path.exists() else ""
    return Counter(int(match) for match in re.findall(r"^(\d{3}) ", text, re.MULTILINE))


HAPROXY_CONFIG = """\
global
    maxconn 4000
    stats socket {socket} mode 600 level user
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    # A busy instance may take a while to answer the check; a dead one refuses at once.
    timeout check 5s
    retries 3
    option redispatch 1
    option forwardfor
frontend front
    bind 127.0.0.1:{port}
    default_backend web
backend web
    balance roundrobin
    option httpchk GET /login
    http-response set-header X-Served-By %s
{servers}
"""


def start_proxy(processes: Processes, backends: dict[str, str], name: str = "haproxy") -> str:
    """HAProxy on a free loopback port, round robin over ``backends`` (name → base URL).

    Each answer carries ``X-Served-By: <backend name>``. A backend that stops
    answering is taken out after two failed checks half a second apart, and a
    request whose connection it refuses is sent to another one.
    """
    port = free_port()
    servers = "\n".join(
        f"    server {server} {url.removeprefix('http://')} check inter 500ms fall 2 rise 2"
        for server, url in backends.items())
    config = processes.directory / f"{name}.cfg"
    config.write_text(HAPROXY_CONFIG.format(port=port, servers=servers,
                                            socket=processes.directory / f"{name}.sock"))
    processes.start(name, [HAPROXY, "-f", str(config), "-db"])
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: answers(f"{url}/login"), "HAProxy", 15, processes.log(name))
    return url


def proxy_states(processes: Processes, name: str = "haproxy") -> dict[str, str]:
    """What HAProxy thinks of each backend server: ``{"web1": "UP", "web2": "DOWN", …}``."""
    import csv
    import io

    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(processes.directory / f"{name}.sock"))
        sock.sendall(b"show stat\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    rows = csv.DictReader(io.StringIO(data.decode().lstrip("# ")))
    return {row["svname"]: row["status"] for row in rows
            if row["svname"] not in ("FRONTEND", "BACKEND")}


def start_scheduler(processes: Processes, name: str, env: dict[str, str]) -> int:
    """``flask scheduler``; returns its pid (its job claims name ``<host>:<pid>``)."""
    process = processes.start(name, [str(BIN / "flask"), "--app", "wsgi", "scheduler"], env)
    wait_until(lambda: "Scheduler running" in processes.log(name).read_text(errors="replace"),
               f"scheduler {name}", 30, processes.log(name))
    return process.pid


class SmtpSink:
    """An aiosmtpd server on loopback that counts the messages it receives by Message-ID."""

    def __init__(self):
        self.received: Counter = Counter()
        self.lock = threading.Lock()
        self.port = free_port()
        self.controller = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        from email import message_from_bytes

        message_id = message_from_bytes(envelope.content)["Message-ID"]
        with self.lock:
            self.received[message_id] += 1
        return "250 OK"

    def __enter__(self) -> SmtpSink:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
