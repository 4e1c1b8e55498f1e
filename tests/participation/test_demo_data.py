"""The participation demo data: an active panel that meets its rule, a co-development group
with records, evaluations and feedback, reports back answered and not; seeding is idempotent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.common.timeutil import utcnow
from app.demo import seed_demo
from app.extensions import db
from app.participation.channel.models import AnonymousFeedback
from app.participation.demo import CO_DEVELOPMENT_NAME, PANEL_NAME
from app.participation.feedback import impact
from app.participation.feedback.models import Feedback, ImpactReport
from app.participation.groups import evaluations, records
from app.participation.groups import services as groups
from app.participation.groups.models import MeetingEntry, ParticipationGroup


@pytest.fixture
def demo():
    seed_demo(password="kokemus-demo")
    db.session.commit()


def named(name: str) -> ParticipationGroup:
    return db.session.scalar(select(ParticipationGroup).where(ParticipationGroup.name == name))


def test_the_demo_panel_is_active_and_meets_its_rule(demo):
    panel = named(PANEL_NAME)
    assert panel.kind == "client_panel" and panel.status == "active"
    assert len(panel.active_members) >= 10 and groups.shortfalls(panel) == []
    roles = [m.role for m in panel.active_members]
    assert roles.count("chair") == 1 and roles.count("secretary") == 1


def test_the_co_development_group_has_its_record_evaluations_and_feedback(demo):
    group = named(CO_DEVELOPMENT_NAME)
    (series,) = groups.meetings_of(group)
    assert series.series_template == "co_development_3" and len(series.sessions) == 3
    first = series.sessions[0]
    assert records.record_of(first).notes
    assert db.session.scalar(select(func.count(MeetingEntry.id))) >= 6
    results = evaluations.group_results(group)
    assert len(results) == 3 and all(r.responses == 4 for r in results)
    assert db.session.scalar(select(func.count(Feedback.id))) >= 5
    assert db.session.scalar(select(func.count(AnonymousFeedback.id))) >= 2


def test_reports_back_one_answered_one_waiting_and_the_job_adds_no_duplicates(demo):
    reports = db.session.scalars(select(ImpactReport)).all()
    assert {r.answered_at is None for r in reports} == {True, False}
    before = len(reports)
    impact.request_impact_reports(utcnow() + timedelta(minutes=1))
    orders = db.session.scalars(select(ImpactReport.order_id)).all()
    assert len(orders) == len(set(orders)) and len(orders) >= before


def test_seeding_twice_adds_no_groups(demo):
    count = db.session.scalar(select(func.count(ParticipationGroup.id)))
    seed_demo(password="kokemus-demo")
    assert db.session.scalar(select(func.count(ParticipationGroup.id))) == count
