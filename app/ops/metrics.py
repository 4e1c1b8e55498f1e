"""Prometheus metrics: request latency, job runs, outbox depth.

Request latency is a histogram labelled by endpoint name (never the URL, so the
number of series stays bounded), method and status. Job runs and failures are
counted by the process that runs them (`app.jobs.run_job`). Outbox depth, the
age of the oldest unsent mail and each job's last success are read from the
database at scrape time, so every web instance reports the same cluster-wide
figures.

Under gunicorn with several workers set ``PROMETHEUS_MULTIPROC_DIR`` to an
empty directory (deploy/gunicorn.conf.py empties it at start and tells
prometheus-client when a worker exits); a scrape then sums all workers.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

import prometheus_client
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

PREFIX = "kokemuspankki"
#: The registry of this process's own metrics (not prometheus-client's global one).
PROCESS_REGISTRY = CollectorRegistry(auto_describe=True)

REQUEST_SECONDS = Histogram(
    f"{PREFIX}_http_request_duration_seconds",
    "Time to answer a request, by endpoint name, method and status code.",
    ("endpoint", "method", "status"),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=PROCESS_REGISTRY,
)
JOB_RUNS = prometheus_client.Counter(
    f"{PREFIX}_job_runs",
    "Background job runs claimed and run by this process, by job and outcome.",
    ("job", "outcome"),
    registry=PROCESS_REGISTRY,
)
JOB_SECONDS = Histogram(
    f"{PREFIX}_job_duration_seconds",
    "Time a background job run took, by job.",
    ("job",),
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0),
    registry=PROCESS_REGISTRY,
)
#: Endpoint label for requests that matched no route (404s of unknown URLs).
UNMATCHED = "unmatched"


def observe_request(endpoint: str | None, method: str, status: int, seconds: float) -> None:
    REQUEST_SECONDS.labels(endpoint or UNMATCHED, method, str(status)).observe(seconds)


def observe_job(name: str, succeeded: bool, seconds: float) -> None:
    JOB_RUNS.labels(name, "success" if succeeded else "failure").inc()
    JOB_SECONDS.labels(name).observe(seconds)


def database_metrics(
    session: Session, now: datetime, intervals: Mapping[str, int]
) -> list[Metric]:
    """Cluster-wide figures read from the database: outbox and job runs.

    ``intervals`` gives each job's interval in seconds: a run that has not finished
    one interval after it started counts as unfinished (an hour for unknown jobs).
    """
    from app.admin.models import JobRun
    from app.mail.models import OutboxMessage

    families = []
    by_status = dict(
        session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    depth = GaugeMetricFamily(
        f"{PREFIX}_outbox_messages", "E-mails in the outbox by status.", labels=("status",)
    )
    for status in ("pending", "failed"):
        depth.add_metric((status,), by_status.get(status, 0))
    families.append(depth)
    oldest = session.scalar(
        select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status == "pending")
    )
    families.append(
        GaugeMetricFamily(
            f"{PREFIX}_outbox_oldest_pending_age_seconds",
            "Age of the oldest e-mail still waiting to be sent (0 when none waits).",
            value=max((now - oldest).total_seconds(), 0.0) if oldest else 0.0,
        )
    )
    last_success = GaugeMetricFamily(
        f"{PREFIX}_job_last_success_timestamp_seconds",
        "When each background job last finished a run (Unix time), on any scheduler.",
        labels=("job",),
    )
    for job, finished in session.execute(
        select(JobRun.job, func.max(JobRun.finished_at)).group_by(JobRun.job)
    ):
        if finished is not None:
            last_success.add_metric((job,), finished.timestamp())
    families.append(last_success)
    unfinished = GaugeMetricFamily(
        f"{PREFIX}_job_unfinished_runs_last_day",
        "Job runs of the last 24 hours that had not finished one interval after they "
        "started: they failed, or their scheduler died.",
        labels=("job",),
    )
    counts = Counter()
    for job, started in session.execute(
        select(JobRun.job, JobRun.started_at).where(
            JobRun.finished_at.is_(None), JobRun.started_at >= now - timedelta(days=1)
        )
    ):
        if started < now - timedelta(seconds=intervals.get(job, 3600)):
            counts[job] += 1
    for job, count in sorted(counts.items()):
        unfinished.add_metric((job,), count)
    families.append(unfinished)
    return families


class _Fixed(Collector):
    """A collector that hands out metric families gathered beforehand."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self.families = list(families)

    def collect(self) -> Iterable[Metric]:
        return self.families


def exposition(extra: Iterable[Metric] = ()) -> bytes:
    """The text exposition of this process's (or all workers') metrics plus ``extra``."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_Fixed(PROCESS_REGISTRY.collect()))
    registry.register(_Fixed(extra))
    return generate_latest(registry)


def serve_process_metrics(port: int, address: str = "127.0.0.1"):
    """Serve this process's metrics on ``address:port`` (for `flask scheduler`, which has no
    web app); returns prometheus-client's (server, thread)."""
    from prometheus_client import start_http_server

    return start_http_server(port, addr=address, registry=PROCESS_REGISTRY)


def may_scrape(
    authorization: str | None, remote_addr: str | None, token: str, networks: Iterable[str]
) -> bool:
    """True for ``Bearer <token>`` or a client address inside one of ``networks``."""
    if token and authorization:
        scheme, _, given = authorization.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token):
            return True
    if remote_addr:
        try:
            address = ipaddress.ip_address(remote_addr)
        except ValueError:
            return False
        for network in networks:
            try:
                if address in ipaddress.ip_network(network, strict=False):
                    return True
            except ValueError:  # a typo in the setting; `flask check-config` reports it
                continue
    return False
