"""A report sent several times at once (a double click, a retrying client) is saved once:
one success, the others 409 ``already_reported``, never a 500. The assignment's row lock
makes the later senders wait and then see the report (issue 11, point 6).

These tests commit for real (threads cannot share the rolled-back test transaction), so
they run on a scratch database of their own, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.common.timeutil import utcnow
from app.extensions import db
from tests.support import concurrency

SENDERS = 6


@pytest.fixture(scope="module")
def committing_app(tmp_path_factory):
    with concurrency.committing_app(tmp_path_factory.mktemp("report_race"), "app_report_race",
                                    SENDERS) as app:
        yield app


@pytest.fixture(autouse=True)
def _app_context(committing_app):
    """Override the package's fixture: no rolled-back transaction here."""
    with committing_app.app_context():
        yield


def test_a_report_sent_many_times_at_once_is_saved_once(committing_app):
    from app.bookings.models import Assignment, CompletionReport
    from app.payouts.models import PayoutItem
    from tests import factories

    start = (utcnow() - timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    order = factories.order(status="filled", sessions=[(start, 60)])
    expert = factories.expert()
    (assignment,) = factories.booking(order, expert)
    db.session.commit()
    assignment_id = assignment.id
    client = committing_app.test_client()
    token = client.post("/api/v1/auth/token", json={
        "email": expert.user.email, "password": factories.DEFAULT_PASSWORD}).get_json()["token"]
    db.session.remove()

    def send(km: int):
        def call():
            response = committing_app.test_client().post(
                f"/api/v1/assignments/{assignment_id}/report",
                headers={"Authorization": f"Bearer {token}"},
                json={"duration_minutes": 60 + km, "travel": {"km_driven": km}})
            return response.status_code, (response.get_json() or {}).get("error", {}).get("code")
        return call

    results = concurrency.race(committing_app, [send(km) for km in range(SENDERS)])
    assert Counter(results) == {(200, None): 1, (409, "already_reported"): SENDERS - 1}, results
    assert db.session.get(Assignment, assignment_id).status == "reported"
    reports = db.session.scalars(select(CompletionReport).where(
        CompletionReport.assignment_id == assignment_id)).all()
    assert len(reports) == 1
    assert reports[0].duration_minutes - 60 == reports[0].km_driven  # one sender's whole report
    assert db.session.scalar(select(func.count()).select_from(PayoutItem)) == 0
