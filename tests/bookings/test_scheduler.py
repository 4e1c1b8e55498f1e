"""Two scheduler processes on one PostgreSQL database: each due job runs exactly once."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.admin.models import JobRun
from app.audit.models import AuditEntry
from app.audit.services import record_audit
from app.common.timeutil import utcnow
from app.extensions import db
from app.jobs import build_scheduler, run_job
from tests.support.databases import build_schema, on_postgres, scratch_database

pytestmark = pytest.mark.skipif(not on_postgres(), reason="shared scheduling on PostgreSQL")


def tick(now):
    """A test job: leaves one audit entry per run."""
    record_audit(None, "test_tick", "job", "tick", at=now.isoformat())


TEST_JOBS = {"tick": (1, tick)}


@pytest.fixture(scope="module")
def two_apps(tmp_path_factory):
    """Two app instances (as two processes would have) on one scratch database."""
    from app import create_app
    from config import TestConfig

    with scratch_database(tmp_path_factory.mktemp("scheduler"), "app_scheduler") as url:
        first = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
        second = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
        build_schema(first)
        yield first, second
        for app in (first, second):
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


@pytest.fixture(autouse=True)
def _app_context(two_apps):
    with two_apps[0].app_context():
        yield


def test_two_schedulers_run_each_due_job_once(two_apps):
    schedulers = [build_scheduler(app, holder=f"instance-{n}", jobs=TEST_JOBS)
                  for n, app in enumerate(two_apps)]
    for scheduler in schedulers:
        scheduler.start()
    time.sleep(4.5)
    for scheduler in schedulers:
        scheduler.shutdown(wait=True)
    db.session.remove()
    runs = db.session.scalars(select(JobRun).where(JobRun.job == "tick")).all()
    assert len(runs) >= 3
    assert len({run.slot for run in runs}) == len(runs)  # one run per slot
    assert all(run.finished_at is not None for run in runs)
    ticks = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "test_tick"))
    assert ticks == len(runs)


def test_racing_claims_for_the_same_slot_run_the_job_once(two_apps):
    moment = utcnow() + timedelta(days=1)
    barrier = threading.Barrier(8)
    outcomes = []

    def attempt(app, n):
        barrier.wait()
        outcomes.append(run_job(app, "tick", f"racer-{n}", now=moment, registry=TEST_JOBS))

    threads = [threading.Thread(target=attempt, args=(two_apps[n % 2], n)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter(outcomes) == {True: 1, False: 7}
