"""/metrics: who may scrape it, and what it reports (requests, jobs, the outbox)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from app.common.timeutil import utcnow
from app.extensions import db
from app.jobs import run_job
from app.mail.models import OutboxMessage

TOKEN = "metrics-token-for-the-tests-0123456789"


@pytest.fixture
def scrape(app, client, monkeypatch):
    """``scrape()``: the metrics as {name: [(labels, value), …]}, fetched with the token."""
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)

    def scrape() -> dict[str, list[tuple[dict, float]]]:
        response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200
        assert response.mimetype == "text/plain"
        samples: dict[str, list[tuple[dict, float]]] = {}
        for family in text_string_to_metric_families(response.get_data(as_text=True)):
            for sample in family.samples:
                samples.setdefault(sample.name, []).append((sample.labels, sample.value))
        return samples

    return scrape


def value(samples, name: str, **labels) -> float:
    return sum(v for found, v in samples.get(name, []) if labels.items() <= found.items())


def test_metrics_are_off_without_a_token_or_networks(client):
    assert client.get("/metrics").status_code == 404


@pytest.mark.parametrize(("token", "networks", "headers", "remote", "status"), [
    (TOKEN, (), {}, "127.0.0.1", 403),
    (TOKEN, (), {"Authorization": "Bearer wrong"}, "127.0.0.1", 403),
    (TOKEN, (), {"Authorization": f"Basic {TOKEN}"}, "127.0.0.1", 403),
    (TOKEN, (), {"Authorization": f"Bearer {TOKEN}"}, "203.0.113.9", 200),
    ("", ("10.0.0.0/8", "192.0.2.1"), {}, "10.1.2.3", 200),
    ("", ("10.0.0.0/8", "192.0.2.1"), {}, "192.0.2.1", 200),
    ("", ("10.0.0.0/8", "192.0.2.1"), {}, "192.0.2.2", 403),
    ("", ("not-a-network", "::1/128"), {}, "::1", 200),
    ("", ("not-a-network",), {}, "127.0.0.1", 403),
])
def test_only_the_token_or_allowed_networks_may_scrape(app, client, monkeypatch, token,
                                                       networks, headers, remote, status):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", token)
    monkeypatch.setitem(app.config, "METRICS_ALLOWED_NETWORKS", networks)
    response = client.get("/metrics", headers=headers, environ_base={"REMOTE_ADDR": remote})
    assert response.status_code == status


def test_request_latency_by_endpoint_name_not_url(client, scrape):
    name = "kokemuspankki_http_request_duration_seconds_count"
    before = scrape()
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert client.get("/no/such/page/12345").status_code == 404
    after = scrape()
    assert value(after, name, endpoint="ops.healthz", method="GET", status="200") == (
        value(before, name, endpoint="ops.healthz", method="GET", status="200") + 3)
    assert value(after, name, endpoint="unmatched", status="404") == (
        value(before, name, endpoint="unmatched", status="404") + 1)
    endpoints = {labels["endpoint"] for labels, _ in after[name]}
    assert not any("/" in endpoint for endpoint in endpoints)


def test_outbox_depth_and_age_of_the_oldest_unsent_mail(app, scrape):
    now = utcnow()
    with app.app_context():
        for hours, status in ((3, "pending"), (1, "pending"), (5, "sent"), (7, "failed")):
            db.session.add(OutboxMessage(
                to_address="x@example.test", subject="s", body_text="b", kind="probe",
                status=status, created_at=now - timedelta(hours=hours)))
        db.session.commit()
        pending = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                    .where(OutboxMessage.status == "pending"))
        oldest = db.session.scalar(
            select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status == "pending"))
    samples = scrape()
    assert value(samples, "kokemuspankki_outbox_messages", status="pending") == pending
    assert value(samples, "kokemuspankki_outbox_messages", status="failed") >= 1
    age = value(samples, "kokemuspankki_outbox_oldest_pending_age_seconds")
    assert age >= (now - oldest).total_seconds() >= 3 * 3600


def _probe_ok(now):
    return 0


def _probe_fails(now):
    raise RuntimeError("the probe job fails on purpose")


PROBES = {"ops_probe_ok": (60, _probe_ok), "ops_probe_fails": (60, _probe_fails)}


def test_job_runs_failures_and_last_success(app, scrape):
    two_hours_ago = utcnow() - timedelta(hours=2)
    before = scrape()
    assert run_job(app, "ops_probe_ok", "test", now=two_hours_ago, registry=PROBES)
    with pytest.raises(RuntimeError):
        run_job(app, "ops_probe_fails", "test", now=two_hours_ago, registry=PROBES)
    assert not run_job(app, "ops_probe_ok", "other", now=two_hours_ago, registry=PROBES)
    after = scrape()
    runs = "kokemuspankki_job_runs_total"
    for job, outcome in (("ops_probe_ok", "success"), ("ops_probe_fails", "failure")):
        assert value(after, runs, job=job, outcome=outcome) == (
            value(before, runs, job=job, outcome=outcome) + 1)
    assert value(after, runs, job="ops_probe_ok", outcome="failure") == (
        value(before, runs, job="ops_probe_ok", outcome="failure"))
    last = value(after, "kokemuspankki_job_last_success_timestamp_seconds", job="ops_probe_ok")
    assert last >= two_hours_ago.timestamp()
    assert "ops_probe_fails" not in {
        labels["job"] for labels, _ in after["kokemuspankki_job_last_success_timestamp_seconds"]}
    assert value(after, "kokemuspankki_job_unfinished_runs_last_day", job="ops_probe_fails") == 1
    assert value(after, "kokemuspankki_job_duration_seconds_count", job="ops_probe_ok") >= 1


def test_the_scheduler_serves_its_own_job_metrics(app):
    """`flask scheduler` has no web app: its job counters get a loopback port of their own."""
    import urllib.request

    from app.ops.metrics import serve_process_metrics
    from tests.ops.conftest import free_port

    port = free_port()
    server, thread = serve_process_metrics(port)
    try:
        assert run_job(app, "ops_probe_ok", "test", now=utcnow() - timedelta(days=3),
                       registry=PROBES)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            text = response.read().decode()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(text) for s in family.samples}
    assert samples[("kokemuspankki_job_runs_total",
                    (("job", "ops_probe_ok"), ("outcome", "success")))] >= 1


def test_a_run_counts_as_unfinished_only_after_its_interval(app, scrape):
    """deliver_mail runs every 30 s: unfinished after 10 s is running, after 5 min it failed."""
    from app.admin.models import JobRun

    now = utcnow()
    name = "kokemuspankki_job_unfinished_runs_last_day"
    before = value(scrape(), name, job="deliver_mail")
    with app.app_context():
        for number, age in enumerate((timedelta(seconds=10), timedelta(minutes=5),
                                      timedelta(days=2))):
            db.session.add(JobRun(job="deliver_mail", holder="test", started_at=now - age,
                                  slot=now + timedelta(days=500 + number)))
        db.session.commit()
    assert value(scrape(), name, job="deliver_mail") == before + 1
