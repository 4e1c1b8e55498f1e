"""Real services on loopback for the operations tests: Redis, SMTP, and a closed port."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def closed_port() -> int:
    """A loopback port where nothing listens (connections are refused)."""
    return free_port()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway Redis server (Debian's redis-server) on a free loopback port."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is missing: run tests/support/system-deps.sh")
    directory = tmp_path_factory.mktemp("redis")
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(directory)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            pytest.fail("redis-server did not start")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


class MailCollector:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_port() -> Iterator[int]:
    """An aiosmtpd server on a free loopback port."""
    port = free_port()
    controller = Controller(MailCollector(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port
    controller.stop()
