"""Breaks and unavailability: a verified expert pauses (with an optional return date) and comes
back; periods when the expert cannot work are added, listed and removed by their owner only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.common.timeutil import to_helsinki, utcnow
from app.experts.models import ExpertProfile, Unavailability
from app.extensions import db
from tests import factories
from tests.experts.helpers import audit_entries
from tests.web.helpers import field_error, logged_in, page, redirect_path, use_english


@pytest.fixture
def experts(app):
    with app.app_context():
        verified = factories.expert()
        other = factories.expert()
        applicant = factories.expert("applied")
        db.session.commit()
        return SimpleNamespace(id=verified.id, email=verified.user.email,
                               other_id=other.id, other=other.user.email,
                               applicant_id=applicant.id, applicant=applicant.user.email)


def status_of(app, expert_id: int) -> tuple[str, object]:
    with app.app_context():
        profile = db.session.get(ExpertProfile, expert_id)
        return profile.status, profile.paused_until


def periods_of(app, expert_id: int) -> list[Unavailability]:
    with app.app_context():
        rows = list(db.session.scalars(
            select(Unavailability).where(Unavailability.expert_id == expert_id)
            .order_by(Unavailability.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def local_today():
    return to_helsinki(utcnow()).date()


def test_pause_with_a_return_date_and_come_back(app, client, experts):
    use_english(client)
    logged_in(client, experts.email)
    back = local_today() + timedelta(days=30)
    response = client.post("/expert/availability/pause",
                           data={"pause-paused_until": back.isoformat()})
    assert redirect_path(response) == "/expert/availability"
    assert status_of(app, experts.id) == ("paused", back)
    assert "You are on a break" in page(client.get("/expert/"))
    (entry,) = audit_entries(app, "expert_paused", experts.id)
    assert entry["details"] == {"until": back.isoformat()}

    later = back + timedelta(days=7)
    client.post("/expert/availability/pause", data={"pause-paused_until": later.isoformat()})
    assert status_of(app, experts.id) == ("paused", later)

    response = client.post("/expert/availability/resume")
    assert redirect_path(response) == "/expert/availability"
    assert status_of(app, experts.id) == ("verified", None)
    assert len(audit_entries(app, "expert_resumed", experts.id)) == 1


def test_pause_without_a_return_date(app, client, experts):
    logged_in(client, experts.email)
    client.post("/expert/availability/pause", data={"pause-paused_until": ""})
    assert status_of(app, experts.id) == ("paused", None)


def test_the_return_date_cannot_be_in_the_past(app, client, experts):
    use_english(client)
    logged_in(client, experts.email)
    yesterday = local_today() - timedelta(days=1)
    response = client.post("/expert/availability/pause",
                           data={"pause-paused_until": yesterday.isoformat()})
    assert response.status_code == 422
    assert "past" in field_error(response, "pause-paused_until")
    assert status_of(app, experts.id) == ("verified", None)


def test_only_verified_or_paused_experts_can_pause(app, client, experts):
    use_english(client)
    logged_in(client, experts.applicant)
    response = client.post("/expert/availability/pause", data={})
    assert response.status_code == 422
    assert "not possible in the current state" in page(response)
    assert status_of(app, experts.applicant_id)[0] == "applied"
    response = client.post("/expert/availability/resume", follow_redirects=True)
    assert "not possible in the current state" in page(response)
    assert status_of(app, experts.applicant_id)[0] == "applied"


def test_a_verified_expert_cannot_resume(app, client, experts):
    logged_in(client, experts.email)
    client.post("/expert/availability/resume")
    assert status_of(app, experts.id)[0] == "verified"
    assert audit_entries(app, "expert_resumed") == []


def period_form(start: datetime, end: datetime, note: str = "") -> dict:
    start, end = to_helsinki(start), to_helsinki(end)
    return {
        "period-start_date": start.date().isoformat(), "period-start_time": start.strftime("%H:%M"),
        "period-end_date": end.date().isoformat(), "period-end_time": end.strftime("%H:%M"),
        "period-note": note,
    }


def next_week_at(hour: int) -> datetime:
    day = local_today() + timedelta(days=7)
    return datetime(day.year, day.month, day.day, hour, tzinfo=to_helsinki(utcnow()).tzinfo)


def test_unavailability_is_added_listed_and_removed(app, client, experts):
    logged_in(client, experts.email)
    start, end = next_week_at(8), next_week_at(16)
    response = client.post("/expert/availability/periods",
                           data=period_form(start, end, "Lääkäri"))
    assert redirect_path(response) == "/expert/availability"
    (period,) = periods_of(app, experts.id)
    assert (period.starts_at, period.ends_at) == (start.astimezone(UTC), end.astimezone(UTC))
    assert period.note == "Lääkäri"
    html = page(client.get("/expert/availability"))
    assert "Lääkäri" in html and f"/expert/availability/periods/{period.id}/remove" in html

    response = client.post(f"/expert/availability/periods/{period.id}/remove")
    assert redirect_path(response) == "/expert/availability"
    assert periods_of(app, experts.id) == []


def test_wall_clock_times_are_helsinki_times(app, client, experts):
    logged_in(client, experts.email)
    day = local_today() + timedelta(days=10)
    client.post("/expert/availability/periods", data={
        "period-start_date": day.isoformat(), "period-start_time": "00:00",
        "period-end_date": day.isoformat(), "period-end_time": "23:59",
    })
    (period,) = periods_of(app, experts.id)
    assert to_helsinki(period.starts_at).hour == 0
    assert to_helsinki(period.ends_at).strftime("%H:%M") == "23:59"


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (16, 8, "after the start"),
        (8, 8, "after the start"),
    ],
)
def test_the_end_must_be_after_the_start(app, client, experts, start, end, message):
    use_english(client)
    logged_in(client, experts.email)
    response = client.post("/expert/availability/periods",
                           data=period_form(next_week_at(start), next_week_at(end)))
    assert response.status_code == 422
    assert message in field_error(response, "period-end_date")
    assert periods_of(app, experts.id) == []


def test_a_time_that_has_passed_is_refused(app, client, experts):
    use_english(client)
    logged_in(client, experts.email)
    last_week = next_week_at(8) - timedelta(days=14)
    response = client.post("/expert/availability/periods",
                           data=period_form(last_week, last_week + timedelta(hours=3)))
    assert response.status_code == 422
    assert "already passed" in field_error(response, "period-end_date")


def test_an_expert_cannot_remove_anothers_period(app, client, experts):
    note = "Hammaslääkäri salaa"
    logged_in(app.test_client(), experts.other).post(
        "/expert/availability/periods", data=period_form(next_week_at(9), next_week_at(12), note)
    )
    (theirs,) = periods_of(app, experts.other_id)
    logged_in(client, experts.email)
    response = client.post(f"/expert/availability/periods/{theirs.id}/remove")
    assert response.status_code == 404
    assert [p.id for p in periods_of(app, experts.other_id)] == [theirs.id]
    assert note not in page(client.get("/expert/availability"))


def test_only_experts_manage_unavailability(app, client, experts):
    with app.app_context():
        coordinator = factories.user("coordinator")
        db.session.commit()
        email = coordinator.email
    logged_in(client, email)
    assert client.get("/expert/availability").status_code == 403
    assert client.post("/expert/availability/periods", data={}).status_code == 403


def test_breaks_end_on_their_return_date(app, experts):
    from app.experts.services import end_finished_breaks

    today = local_today()
    with app.app_context():
        due = db.session.get(ExpertProfile, experts.id)
        due.status, due.paused_until = "paused", today
        later = db.session.get(ExpertProfile, experts.other_id)
        later.status, later.paused_until = "paused", today + timedelta(days=1)
        open_ended = factories.expert("paused")
        db.session.commit()
        assert end_finished_breaks(today) == 1
        db.session.commit()
        assert (due.status, due.paused_until) == ("verified", None)
        assert later.status == "paused" and open_ended.status == "paused"
        assert end_finished_breaks(today) == 0
    (entry,) = audit_entries(app, "expert_resumed", experts.id)
    assert entry["actor_id"] is None
    assert entry["details"] == {"return_date": today.isoformat()}
