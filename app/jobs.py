"""Background jobs on APScheduler, run by `flask scheduler` in its own process.

Every job is one service call inside an app context, committed once. Several
scheduler processes may run (standbys): each due run is claimed by inserting a
`JobRun` row for (job, slot) — the unique key lets exactly one process run it.
Intervals are aligned to a fixed epoch so every process computes the same slots.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from sqlalchemy.exc import IntegrityError

from app.admin.models import JobRun
from app.common.timeutil import utcnow
from app.extensions import db
from app.ops.metrics import observe_job

log = logging.getLogger(__name__)
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


def _expire_invitations(now):
    from app.bookings.services import expire_invitations

    return expire_invitations(now)


def _expire_colleague_invitations(now):
    from app.organisations.invitations import expire_invitations

    return expire_invitations(now)


def _expire_unfilled_orders(now):
    from app.bookings.services import expire_unfilled_orders

    return expire_unfilled_orders(now)


def _send_reminders(now):
    from app.bookings.reminders import send_reminders

    return send_reminders(now)


def _request_reports(now):
    from app.bookings.completion import remind_unreported

    return remind_unreported(now)


def _end_finished_breaks(now):
    from app.common.timeutil import to_helsinki
    from app.experts.services import end_finished_breaks

    return end_finished_breaks(to_helsinki(now).date())


def _deliver_mail(now):
    from app.mail.services import deliver_pending

    return deliver_pending(now)


def _run_invoicing(now):
    from app.payments.services import run_invoicing

    return run_invoicing(now)


def _impact_report_requests(now):
    from app.participation.feedback.impact import request_impact_reports

    return request_impact_reports(now)


def _feedback_requests(now):
    from app.participation.feedback.services import request_feedback

    return request_feedback(now)


def _erase_settled_accounts(now):
    from app.privacy.services import erase_settled_accounts

    return erase_settled_accounts(now)


def _retention_cleanup(now):
    from app.retention.services import run_retention

    return run_retention(now)


#: name → (interval in seconds, the service call)
JOBS: dict[str, tuple[int, Callable]] = {
    "expire_invitations": (60, _expire_invitations),
    "expire_colleague_invitations": (3600, _expire_colleague_invitations),
    "expire_unfilled_orders": (300, _expire_unfilled_orders),
    "send_reminders": (300, _send_reminders),
    "request_reports": (3600, _request_reports),
    "end_finished_breaks": (3600, _end_finished_breaks),
    "deliver_mail": (30, _deliver_mail),
    "invoicing_run": (3600, _run_invoicing),
    "impact_report_requests": (3600, _impact_report_requests),
    "feedback_requests": (3600, _feedback_requests),
    "erase_settled_accounts": (86400, _erase_settled_accounts),
    "retention_cleanup": (86400, _retention_cleanup),
}


def slot_of(moment: datetime, interval_seconds: int) -> datetime:
    """The start of the aligned interval that ``moment`` falls in."""
    elapsed = int((moment - EPOCH).total_seconds())
    return EPOCH + timedelta(seconds=elapsed - elapsed % interval_seconds)


def run_job(app: Flask, name: str, holder: str, now: datetime | None = None,
            registry: dict[str, tuple[int, Callable]] | None = None) -> bool:
    """Claim this slot of the job and run it; False when another process already has it."""
    interval, call = (registry or JOBS)[name]
    # A request context on BASE_URL lets mails build their links with url_for.
    with app.test_request_context("/", base_url=app.config["BASE_URL"]):
        now = now or utcnow()
        claim = JobRun(job=name, slot=slot_of(now, interval), holder=holder, started_at=now)
        db.session.add(claim)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            return False
        started = time.perf_counter()
        try:
            call(now)
            claim.finished_at = utcnow()
            db.session.commit()
        except Exception:
            db.session.rollback()
            observe_job(name, False, time.perf_counter() - started)
            log.exception("job %s failed", name)
            raise
        finally:
            db.session.remove()
        observe_job(name, True, time.perf_counter() - started)
    return True


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def configured_jobs(app: Flask) -> dict[str, tuple[int, Callable]]:
    """`JOBS` with the intervals of ``JOB_INTERVALS`` (``{name: seconds}``) put in.

    Every scheduler process must be given the same intervals, or their slots differ.
    """
    overrides = app.config.get("JOB_INTERVALS") or {}
    unknown = set(overrides) - set(JOBS)
    if unknown:
        raise ValueError(f"JOB_INTERVALS names unknown jobs: {', '.join(sorted(unknown))}")
    return {name: (int(overrides.get(name, interval)), call)
            for name, (interval, call) in JOBS.items()}


def build_scheduler(app: Flask, holder: str | None = None,
                    jobs: dict[str, tuple[int, Callable]] | None = None) -> BackgroundScheduler:
    """A scheduler with every job registered at fixed ids, aligned to `EPOCH`."""
    scheduler = BackgroundScheduler(timezone=UTC)
    holder = holder or holder_name()
    registry = jobs or configured_jobs(app)
    for name, (interval, _call) in registry.items():
        scheduler.add_job(
            run_job, IntervalTrigger(seconds=interval, start_date=EPOCH, timezone=UTC),
            args=[app, name, holder], kwargs={"registry": registry}, id=name,
            replace_existing=True, coalesce=True,
            max_instances=1, misfire_grace_time=interval,
        )
    return scheduler
