"""Reporting back (no token participation): the 60-day job asks once and reminds once, the
answer reaches the experts and members involved, and coordinators see who never answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.common.errors import NotFound
from app.extensions import db
from app.jobs import run_job
from app.mail.models import OutboxMessage
from app.participation.feedback import impact
from app.participation.feedback.models import ImpactReport
from tests import factories
from tests.participation import helpers

START = datetime(2030, 1, 10, 12, 0, tzinfo=UTC)
END = START + timedelta(minutes=120)
DUE = END + timedelta(days=60)


@pytest.fixture
def meeting(organiser, panel, experts):
    """The panel's meeting of 10 January 2030 (two hours) with one expert, and a member."""
    member = helpers.participant(organiser, panel.id)
    order = helpers.past_meeting(panel, experts[:1], start=START)
    db.session.commit()
    return {"order": order, "member": member}


def requests() -> int:
    return db.session.scalar(select(func.count(ImpactReport.id)))


def mails(kind: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == kind).order_by(OutboxMessage.id)))


def test_the_organisation_is_asked_60_days_after_the_work_once(organiser, meeting):
    assert impact.request_impact_reports(DUE - timedelta(minutes=1)) == 0
    assert requests() == 0
    assert impact.request_impact_reports(DUE) == 1
    (report,) = db.session.scalars(select(ImpactReport)).all()
    assert report.order_id == meeting["order"].id and report.requested_at == DUE
    (asked,) = mails("impact_request")
    assert asked.to_address == organiser.email
    assert asked.dedupe_key == f"impact_request:{meeting['order'].id}:{organiser.id}"
    for later in (DUE + timedelta(hours=1), DUE + timedelta(days=5)):
        assert impact.request_impact_reports(later) == 0
    assert requests() == 1 and len(mails("impact_request")) == 1


def test_one_reminder_a_month_later(organiser, meeting):
    impact.request_impact_reports(DUE)
    impact.request_impact_reports(DUE + timedelta(days=29))
    assert len(mails("impact_request")) == 1
    impact.request_impact_reports(DUE + timedelta(days=30))
    impact.request_impact_reports(DUE + timedelta(days=45))
    assert len(mails("impact_request")) == 2
    assert mails("impact_request")[-1].dedupe_key.startswith("impact_reminder:")


def test_the_job_runs_through_the_scheduler_once_per_slot(app, organiser, meeting):
    db.session.commit()
    assert run_job(app, "impact_report_requests", "holder-a", now=DUE) is True
    assert run_job(app, "impact_report_requests", "holder-b", now=DUE) is False
    assert run_job(app, "impact_report_requests", "holder-a",
                   now=DUE + timedelta(hours=2)) is True
    assert requests() == 1


def test_cancelled_orders_and_orders_without_work_are_not_asked_about(organiser, panel):
    cancelled = factories.order(organiser.membership.organisation, created_by=organiser,
                                status="cancelled", sessions=[(START, 60)])
    lonely = factories.order(organiser.membership.organisation, created_by=organiser,
                             status="unfilled", sessions=[(START, 60)])
    assert impact.request_impact_reports(DUE) == 0
    assert {cancelled.id, lonely.id}.isdisjoint(db.session.scalars(
        select(ImpactReport.order_id)).all())


def test_the_answer_reaches_the_experts_and_members_involved(client, organiser, experts,
                                                             meeting):
    impact.request_impact_reports(DUE)
    report = db.session.scalars(select(ImpactReport)).one()
    outsider = helpers.participant(organiser, helpers.group(organiser).id)
    for reader in (experts[0].user, meeting["member"], outsider):
        with pytest.raises(NotFound):  # nothing to read before the answer
            impact.report_for_reader(reader, report.id)
    impact.answer_impact_report(organiser, report.id, "Otimme takaisinsoiton käyttöön.",
                                "Takaisinsoitto")
    assert impact.report_for_reader(experts[0].user, report.id) is report
    assert impact.report_for_reader(meeting["member"], report.id) is report
    with pytest.raises(NotFound):
        impact.report_for_reader(outsider, report.id)
    with pytest.raises(NotFound):  # only the organisation answers
        impact.answer_impact_report(experts[0].user, report.id, "X")
    told = {m.to_address for m in mails("impact_answered")}
    assert told == {experts[0].user.email, meeting["member"].email}
    assert impact.reports_for(meeting["member"]) == [report]
    assert impact.reports_for(outsider) == []


def test_coordinators_see_who_never_reports_back(organiser, experts, meeting):
    other = factories.member(is_admin=True)
    helpers.past_meeting(helpers.group(other), experts[1:2], start=START)
    impact.request_impact_reports(DUE)
    report = db.session.scalars(select(ImpactReport).where(
        ImpactReport.order_id == meeting["order"].id)).one()
    impact.answer_impact_report(organiser, report.id, "Muutimme lomaketta.")
    rows = {row.organisation_id: row for row in impact.report_back_overview()}
    silent = rows[other.organisation_id]
    assert (silent.requested, silent.answered, silent.open, silent.never) == (1, 0, 1, True)
    assert silent.oldest_open == DUE
    answering = rows[organiser.organisation_id]
    assert (answering.requested, answering.answered, answering.never) == (1, 1, False)
    assert impact.report_back_overview()[0].organisation_id == other.organisation_id


def test_the_hub_shows_the_latest_answered_reports_without_loading_every_report(
        client, organiser, coordinator):
    """Twelve reports (eight answered): the hub lists the five latest answered ones and the
    organisation's four open ones to answer, and loads no other report."""
    from sqlalchemy import event

    from tests.web.helpers import logged_in

    organisation = organiser.membership.organisation
    for n in range(12):
        order = factories.order(organisation, status="completed")
        db.session.flush()
        db.session.add(ImpactReport(
            order_id=order.id, requested_at=START + timedelta(days=n),
            answered_at=START + timedelta(days=n + 1) if n < 8 else None,
            summary=f"Yhteenveto {n:02d}", text="Muutimme käytäntöä."))
    db.session.commit()
    latest = [f"Yhteenveto {n:02d}" for n in (7, 6, 5, 4, 3)]
    people = []
    for user, opened in ((coordinator, 0), (organiser, 4)):
        waiting, answered = impact.hub_reports(user)
        assert [r.summary for r in answered] == latest and len(waiting) == opened
        people.append((user.email, opened))
    loaded = []

    def on_load(target, _context):
        loaded.append(target)

    for email, opened in people:
        client = client.application.test_client()
        logged_in(client, email)
        db.session.expunge_all()
        loaded.clear()
        event.listen(ImpactReport, "load", on_load)
        try:
            html = client.get("/participation/").get_data(as_text=True)
        finally:
            event.remove(ImpactReport, "load", on_load)
        assert all(summary in html for summary in latest) and "Yhteenveto 02" not in html
        assert len(loaded) == 5 + opened
