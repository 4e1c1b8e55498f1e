"""Every registered background job runs once per slot through `run_job`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.common.timeutil import utcnow
from app.jobs import JOBS, run_job, slot_of


@pytest.mark.parametrize("name", sorted(JOBS))
def test_each_job_runs_and_claims_its_slot(app, name):
    now = utcnow() + timedelta(days=400)  # a slot no other test uses
    assert run_job(app, name, "test-holder", now=now) is True
    assert run_job(app, name, "another-holder", now=now) is False


@pytest.mark.parametrize(("moment", "interval", "slot"), [
    (datetime(2026, 3, 1, 10, 0, 59, tzinfo=UTC), 60, datetime(2026, 3, 1, 10, 0, tzinfo=UTC)),
    (datetime(2026, 3, 1, 10, 1, 0, tzinfo=UTC), 60, datetime(2026, 3, 1, 10, 1, tzinfo=UTC)),
    (datetime(2026, 3, 1, 10, 7, 3, tzinfo=UTC), 300, datetime(2026, 3, 1, 10, 5, tzinfo=UTC)),
])
def test_slots_are_aligned_so_every_process_agrees(moment, interval, slot):
    assert slot_of(moment, interval) == slot


def test_job_intervals_can_be_configured(app, monkeypatch):
    from app.jobs import build_scheduler, configured_jobs

    monkeypatch.setitem(app.config, "JOB_INTERVALS", {"deliver_mail": 2})
    jobs = configured_jobs(app)
    assert jobs["deliver_mail"][0] == 2
    assert jobs["expire_invitations"] == JOBS["expire_invitations"]
    trigger = build_scheduler(app).get_job("deliver_mail").trigger
    assert trigger.interval.total_seconds() == 2
    monkeypatch.setitem(app.config, "JOB_INTERVALS", {"no_such_job": 2})
    with pytest.raises(ValueError, match="no_such_job"):
        configured_jobs(app)


def test_job_intervals_are_read_from_the_environment(monkeypatch):
    from config import _intervals

    monkeypatch.setenv("JOB_INTERVALS", " deliver_mail=3, expire_invitations=5 ")
    assert _intervals("JOB_INTERVALS") == {"deliver_mail": 3, "expire_invitations": 5}
    monkeypatch.delenv("JOB_INTERVALS")
    assert _intervals("JOB_INTERVALS") == {}
    for wrong in ("deliver_mail", "deliver_mail=soon", "=3", "deliver_mail=0"):
        monkeypatch.setenv("JOB_INTERVALS", wrong)
        with pytest.raises(ValueError, match="expected job=seconds"):
            _intervals("JOB_INTERVALS")
