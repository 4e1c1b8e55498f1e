"""The participation figures on a known data set; every expected number is worked out by
hand in the comments. The period is January–March 2030 in Helsinki time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from app.extensions import db
from app.participation.channel.models import AnonymousFeedback
from app.participation.feedback.models import Feedback, ImpactReport
from app.participation.groups import evaluations
from app.participation.groups.models import GroupMeeting
from app.payouts.models import PayoutItem
from app.reports import services as reports
from app.reports.services import Period, kept_figures, participation_figures
from tests import factories
from tests.participation import helpers
from tests.support.sql import counted_statements
from tests.web.helpers import logged_in, page

PERIOD = Period(date(2030, 1, 1), date(2030, 3, 31))


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def order(organisation, creator, status, start, type_code="lecture", areas=("mental-health",)):
    made = factories.order(organisation, created_by=creator, status=status,
                           sessions=[(start, 120)], assignment_type_code=type_code,
                           areas=areas)
    made.submitted_at = None if status == "draft" else start - timedelta(days=5)
    return made


def payout(assignment, status, fee, travel="0.00", per_diem="0.00"):
    fee, travel, per_diem = Decimal(fee), Decimal(travel), Decimal(per_diem)
    db.session.add(PayoutItem(
        assignment_id=assignment.id, expert_id=assignment.expert_id, status=status, fee=fee,
        travel=travel, per_diem=per_diem, withholding_percent=Decimal("0"),
        withholding=Decimal("0"), net_fee=fee, total_paid=fee + travel + per_diem,
        work_date=assignment.starts_at))


@pytest.fixture
def data(organiser):
    org_a = organiser.membership.organisation
    creator_b = factories.member(is_admin=True)
    org_b = creator_b.membership.organisation
    e1, e2, e3, e4 = (factories.expert() for _ in range(4))
    factories.expert(status="applied")  # not verified: left out of the fairness figures
    # O1 (A): a meeting on 15 January; E1 worked, E2 cancelled (a withdrawal).
    o1 = order(org_a, organiser, "completed", at(2030, 1, 15, 10), "meeting")
    (a1,) = factories.booking(o1, e1, status="confirmed")
    factories.booking(o1, e2, status="cancelled_by_expert")
    # O2 (A): a lecture on 10 February; E1 and E2 reported their work.
    o2 = order(org_a, organiser, "filled", at(2030, 2, 10, 10))
    (a2,) = factories.booking(o2, e1, status="reported")
    (a3,) = factories.booking(o2, e2, status="reported")
    # O3 (B): 31 January 22.30 UTC is 1 February 00.30 in Helsinki: a February lecture.
    o3 = order(org_b, creator_b, "closed", at(2030, 1, 31, 22, 30),
               areas=("mental-health", "disability"))
    (a4,) = factories.booking(o3, e1, status="paid")
    # O4 (B) cancelled, O5 (A) unfilled, O6 (A) a draft (not an order yet).
    order(org_b, creator_b, "cancelled", at(2030, 2, 1, 10))
    order(org_a, organiser, "unfilled", at(2030, 3, 1, 10))
    order(org_a, organiser, "draft", at(2030, 3, 2, 10))
    # O7 (A): 31 March 21.30 UTC is already 1 April in Helsinki: outside the period.
    o7 = order(org_a, organiser, "filled", at(2030, 3, 31, 21, 30))
    o7.submitted_at = at(2030, 4, 2)
    factories.booking(o7, e3, status="reported")
    # Feedback on the work.
    for assignment, kind, author, rating, heard in [
        (a1, "organisation", organiser, 5, None),
        (a2, "organisation", organiser, 3, None),
        (a1, "expert", e1.user, 4, True),
        (a3, "expert", e2.user, 1, False),
        (a4, "expert", e1.user, None, True),
    ]:
        db.session.add(Feedback(assignment_id=assignment.id, author_id=author.id,
                                author_kind=kind, rating=rating, input_heard=heard))
    # Reports back: two asked in the period (O1 answered, O3 not), one before it.
    db.session.add(ImpactReport(order_id=o1.id, requested_at=at(2030, 3, 10),
                                answered_at=at(2030, 3, 20), text="Muutimme lomaketta."))
    db.session.add(ImpactReport(order_id=o3.id, requested_at=at(2030, 3, 25)))
    db.session.add(ImpactReport(order_id=o2.id, requested_at=at(2029, 12, 20)))
    # Paid work: approved 20.00 + 5.50 travel, approved 30.00 + 10.00 allowance; the
    # pending and rejected ones do not count.
    payout(a1, "approved", "20.00", travel="5.50")
    payout(a2, "approved", "30.00", per_diem="10.00")
    payout(a3, "pending_approval", "30.00")
    payout(a4, "rejected", "30.00")
    # A group of A (active, three members) whose meeting O1 was evaluated: 3, 2 and 1, 3.
    group = helpers.group(organiser)
    members = [helpers.participant(organiser, group.id) for _ in range(3)]
    group.status = "active"
    db.session.add(GroupMeeting(group=group, order=o1, booked_by_id=organiser.id))
    db.session.flush()
    c1, c2, c3 = (c.id for c in group.criteria)
    when = at(2030, 3, 31)
    evaluations.submit_evaluation(members[0], o1.sessions[0].id, {c1: 3, c2: 2}, now=when)
    evaluations.submit_evaluation(members[1], o1.sessions[0].id, {c1: 1, c3: 3}, now=when)
    # Anonymous messages: two in the period, one after it.
    for day in (date(2030, 1, 5), date(2030, 3, 31), date(2030, 4, 1)):
        db.session.add(AnonymousFeedback(topic="services", text="Viesti", received_on=day))
    db.session.commit()
    return {"a": org_a.id, "b": org_b.id, "creator_b": creator_b}


def test_figures_of_the_whole_bank(data):
    f = participation_figures(PERIOD)
    # Orders O1–O5 (the draft is not an order, O7 was sent in April); filled: O1, O2, O3.
    assert (f.orders, f.orders_filled, f.orders_cancelled, f.orders_unfilled) == (5, 3, 1, 1)
    assert f.fill_rate == Decimal("60.00")  # 3 / 5
    # Work done: O1·E1, O2·E1, O2·E2, O3·E1 = 4, by E1 and E2; E2 withdrew once.
    assert (f.assignments, f.experts, f.withdrawals) == (4, 2, 1)
    # Organisations rated 5 and 3 → 4.00; experts 4 and 1 → 2.50 (one gave no rating);
    # experts heard: yes, no, yes → 2 / 3 = 66.67 %.
    assert (f.organisation_feedback, f.organisation_rating) == (2, Decimal("4.00"))
    assert (f.expert_feedback, f.expert_rating) == (2, Decimal("2.50"))
    assert (f.heard_answers, f.heard_yes, f.heard_share) == (3, 2, Decimal("66.67"))
    # Reports back asked in the period: 2, answered 1 → 50 %.
    assert (f.reports_requested, f.reports_answered, f.report_back_rate) == (
        2, 1, Decimal("50.00"))
    # Evaluation: 3 + 2 + 1 + 3 = 9 from four answers → 2.25.
    assert (f.evaluation_answers, f.evaluation_average) == (4, Decimal("2.25"))
    # Approved or paid: fees 20 + 30, travel 5.50, allowances 10.
    assert (f.fees, f.travel, f.allowances) == (Decimal("50.00"), Decimal("5.50"),
                                                 Decimal("10.00"))
    assert (f.groups_active, f.group_members) == (1, 3)
    assert f.anonymous_messages == 2
    # January: O1 (a meeting); February: O2 twice and O3 (Helsinki time); March: nothing.
    assert [(m.month, m.total, m.by_type) for m in f.months] == [
        (1, 1, {"meeting": 1}), (2, 3, {"lecture": 3}), (3, 0, {})]
    assert [t.code for t in f.types] == ["lecture", "meeting"]
    # Areas: all four pieces of work are mental health; O3 is also disability.
    assert [(area.code, count) for area, count in f.areas] == [
        ("mental-health", 4), ("disability", 1)]
    # Fairness over the four verified experts: work counts 3, 1, 0, 0.
    # Gini = 2·(1·0 + 2·0 + 3·1 + 4·3) / (4·4) − 5/4 = 30/16 − 20/16 = 0.625 → 0.63.
    # Work in the last 90 days of the period: E1 and E2 of four → 50 %.
    assert f.fairness.verified_experts == 4
    assert f.fairness.gini == Decimal("0.63")
    assert (f.fairness.active_recently, f.fairness.share_active) == (2, Decimal("50.00"))


def test_figures_of_one_organisation(data):
    f = participation_figures(PERIOD, data["a"])
    # A's orders O1, O2, O5 (the draft not); filled O1 and O2 → 66.67 %.
    assert (f.orders, f.orders_filled, f.fill_rate) == (3, 2, Decimal("66.67"))
    # A's work: O1·E1, O2·E1, O2·E2 by two experts.
    assert (f.assignments, f.experts) == (3, 2)
    # Experts on A's work rated 4 and 1 → 2.50; heard yes and no → 50 %.
    assert (f.expert_rating, f.heard_share) == (Decimal("2.50"), Decimal("50.00"))
    # O1's report was asked and answered → 100 %.
    assert (f.reports_requested, f.report_back_rate) == (1, Decimal("100.00"))
    assert f.fees == Decimal("50.00")
    assert f.fairness is None and f.anonymous_messages is None  # the bank's figures only
    other = participation_figures(PERIOD, data["b"])
    assert (other.orders, other.assignments, other.fees) == (2, 1, Decimal("0.00"))
    assert (other.reports_requested, other.report_back_rate) == (1, Decimal("0.00"))


def test_the_page_and_the_csv_show_the_same_numbers(client, organiser, data):
    logged_in(client, organiser.email)
    client.get("/language/en")
    query = "?start=2030-01-01&end=2030-03-31&organisation=" + str(data["b"])
    html = page(client.get("/participation/reports" + query))
    assert "66.67 %" in html  # A's own figures: the organisation filter is ignored
    assert 'role="img"' in html and "<table" in html
    csv_text = client.get("/participation/reports.csv" + query).get_data(as_text=True)
    assert "Share of orders filled,66.67" in csv_text
    assert "2030-02,2,2,0" in csv_text  # February: two lectures (A's own), no meetings
    assert "Gini" not in csv_text


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_figures_are_kept_for_max_age_per_period_and_organisation(data, monkeypatch):
    """Within ``max_age`` the same figures come back without asking the database (so the
    page costs the same at any amount of data); after it, or for another period or
    organisation, they are counted again and show the new work."""
    monkeypatch.setattr(reports, "_kept", {})
    clock = Clock()
    first = kept_figures(PERIOD, None, 300, clock)
    assert first.counted_at is not None and first.orders == 5
    new_order = factories.order(data["creator_b"].membership.organisation,
                                created_by=data["creator_b"], status="submitted")
    new_order.submitted_at = at(2030, 3, 1)
    db.session.commit()
    clock.now += 299
    with counted_statements() as statements:
        assert kept_figures(PERIOD, None, 300, clock) is first
    assert statements == []
    assert kept_figures(PERIOD, data["b"], 300, clock).orders == 3  # another organisation
    assert kept_figures(Period(PERIOD.start, date(2030, 3, 30)), None, 300, clock) \
        is not first  # another period
    clock.now += 1
    again = kept_figures(PERIOD, None, 300, clock)
    assert again is not first and again.orders == 6
    # 0 counts every time (the tests' setting); the kept figures stay bounded in number.
    assert kept_figures(PERIOD, None, 0, clock) is not again
    for day in range(1, 40):
        kept_figures(Period(date(2030, 1, 1), date(2030, 2, day % 28 + 1)), None, 300, clock)
        clock.now += 0.001
    assert len(reports._kept) <= reports.KEPT_FIGURES


def test_the_page_says_when_the_figures_were_counted(client, organiser, data):
    logged_in(client, organiser.email)
    client.get("/language/en")
    html = page(client.get("/participation/reports?start=2030-01-01&end=2030-03-31"))
    assert "The figures were counted at" in html


def test_only_staff_and_organisations_see_reports(client, data):
    expert = factories.expert()
    db.session.commit()
    logged_in(client, expert.user.email)
    assert client.get("/participation/reports").status_code == 403
    assert client.get("/participation/reports.csv").status_code == 403
