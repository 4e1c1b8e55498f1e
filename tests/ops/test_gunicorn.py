"""deploy/gunicorn.conf.py for real: two workers, JSON logs, metrics summed over workers."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from prometheus_client.parser import text_string_to_metric_families

from tests.ops.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "gunicorn-test-metrics-token-0123456789"


def get(url: str, **headers) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def healthz_count(text: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(text) for sample in family.samples
        if sample.name == "kokemuspankki_http_request_duration_seconds_count"
        and sample.labels["endpoint"] == "ops.healthz")


@pytest.fixture
def gunicorn(app, database_url, tmp_path):
    """gunicorn with the deployment config, 2 workers, production settings, on a free port."""
    port = free_port()
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_99999.db").write_bytes(b"")  # left over from an earlier run
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "STRIPE_"))}
    env.update(
        KOKEMUSPANKKI_ENV="production", SECRET_KEY=secrets.token_hex(32),
        IDENTITY_CODE_KEY=Fernet.generate_key().decode(), DATABASE_URL=database_url,
        INSTANCE_PATH=str(tmp_path), METRICS_TOKEN=TOKEN,
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir), GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2", RATELIMIT_STORAGE_URI="memory://", SCHEDULER_ENABLED="0",
    )
    log = (tmp_path / "gunicorn.log").open("w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            if process.poll() is not None:
                break
            try:
                if get(base + "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            log.seek(0)
            pytest.fail("gunicorn did not start:\n" + log.read())
        yield base, metrics_dir, log
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def test_two_workers_behind_one_port(gunicorn):
    base, metrics_dir, log = gunicorn
    assert not (metrics_dir / "counter_99999.db").exists()  # emptied at start
    before = healthz_count(get(base + "/metrics", Authorization=f"Bearer {TOKEN}")[2])
    for number in range(20):
        status, headers, _ = get(base + "/healthz", **{"X-Request-ID": f"probe-{number}"})
        assert status == 200 and headers["X-Request-ID"] == f"probe-{number}"
    status, _, body = get(base + "/readyz")
    assert status == 200, body

    assert get(base + "/metrics")[0] == 403
    status, _, text = get(base + "/metrics", Authorization=f"Bearer {TOKEN}")
    assert status == 200
    assert healthz_count(text) == before + 20  # summed over both workers
    assert "kokemuspankki_outbox_oldest_pending_age_seconds" in text

    log.flush()
    log.seek(0)
    lines = [json.loads(line) for line in log.read().splitlines() if line.startswith("{")]
    requests = [line for line in lines if line["logger"] == "kokemuspankki.request"]
    probes = sorted(line["request_id"] for line in requests
                    if line["request_id"].startswith("probe-"))
    assert probes == sorted(f"probe-{n}" for n in range(20))  # each logged once
    assert any(line["logger"].startswith("gunicorn") for line in lines)  # JSON too


def test_the_scheduler_command_serves_job_metrics_on_loopback(tmp_path):
    """`flask scheduler` with SCHEDULER_METRICS_PORT: its counters on a port of its own."""
    import flask_migrate

    from app import create_app
    from app.extensions import db
    from config import TestConfig
    from tests.support.databases import scratch_database

    with scratch_database(tmp_path, "ops_scheduler") as url:
        scratch = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
        with scratch.app_context():
            flask_migrate.upgrade()
            db.session.remove()
            db.engine.dispose()
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "STRIPE_"))}
        env.update(DATABASE_URL=url, INSTANCE_PATH=str(tmp_path), KOKEMUSPANKKI_ENV="development",
                   SCHEDULER_METRICS_PORT=str(port))
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler"], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(300):
                assert process.poll() is None, "the scheduler stopped"
                try:
                    status, _, text = get(f"http://127.0.0.1:{port}/metrics")
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                pytest.fail("no metrics port")
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)
    assert status == 200
    names = {family.name for family in text_string_to_metric_families(text)}
    assert {"kokemuspankki_job_runs", "kokemuspankki_job_duration_seconds"} <= names
