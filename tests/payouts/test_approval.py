"""Payout items: amounts from the fee engine, four-eyes approval with TOTP, rejection, edits."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.extensions import db
from app.fees.rules import TravelClaim, TravelRates, compute_payout, compute_quote, rule_for
from app.fees.services import fee_rules, schedule_in_force, travel_rates_for_year
from app.mail.models import OutboxMessage
from app.payouts import services
from app.payouts.models import PayoutItem
from tests import factories
from tests.payouts.helpers import (
    code,
    confirmed_assignment,
    expert_with_iban,
    finance_user,
    helsinki,
    payout,
)


def audit_actions(item) -> list[tuple[str, int | None]]:
    return [(e.action, e.actor_id) for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.subject_type == "payout_item",
                                 AuditEntry.subject_id == str(item.id)).order_by(AuditEntry.id))]


# --- creating an item ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("percent", "withholding", "net", "total"),
    [
        (None, "18.00", "12.00", "58.20"),  # no tax card: 60 %
        (Decimal("0"), "0.00", "30.00", "76.20"),
        (Decimal("12.50"), "3.75", "26.25", "72.45"),
        (Decimal("33.33"), "10.00", "20.00", "66.20"),  # 9.999 rounds half up to 10.00
    ],
)
def test_create_payout_item_takes_withholding_from_the_tax_card(percent, withholding, net, total):
    expert = expert_with_iban(withholding_percent=percent)
    item = payout(expert, fee="30.00", travel="46.20")
    assert item.status == "pending_approval"
    assert item.withholding_percent == (percent if percent is not None else Decimal("60.00"))
    assert (item.withholding, item.net_fee, item.total_paid) == (
        Decimal(withholding), Decimal(net), Decimal(total))
    assert item.net_fee + item.withholding == item.fee
    assert item.work_date == item.assignment.starts_at
    assert item.prepared_by_id == expert.user_id
    assert audit_actions(item) == [("payout_item_created", None)]


def test_the_item_equals_the_fee_engine_for_the_same_inputs():
    day = helsinki(2026, 3, 10, 13)
    expert = expert_with_iban(withholding_percent=Decimal("25"))
    claim = TravelClaim(km_driven="84", one_way_km="42", trip_hours="7")
    rules = fee_rules(schedule_in_force(day.date()))
    rates = travel_rates_for_year(2026) or TravelRates(2026, Decimal("0.55"), Decimal("0.04"),
                                                       Decimal("24"), Decimal("54"))
    quote = compute_quote(rule_for(rules, "lecture"), 45, travel=claim, rates=rates)
    expected = compute_payout(quote, Decimal("25"))
    item = payout(expert, starts_at=day, fee=str(quote.fee), travel=str(quote.travel),
                  per_diem=str(quote.per_diem))
    assert (item.fee, item.travel, item.per_diem, item.withholding, item.net_fee,
            item.total_paid) == (expected.fee, expected.travel, expected.per_diem,
                                 expected.withholding, expected.net_fee, expected.total_paid)


def test_one_item_per_assignment_and_only_for_confirmed_work(now):
    expert = expert_with_iban()
    assignment = confirmed_assignment(expert, helsinki(2026, 3, 10))
    kwargs = dict(fee=Decimal("30.00"), travel=Decimal("0"), per_diem=Decimal("0"),
                  fee_schedule_id=None, prepared_by_id=expert.user_id, now=now)
    services.create_payout_item(assignment, **kwargs)
    with pytest.raises(Conflict) as error:
        services.create_payout_item(assignment, **kwargs)
    assert error.value.code == "payout_exists"
    order = factories.order(sessions=[(helsinki(2026, 3, 11), 45)], status="filled")
    (booked,) = factories.booking(order, expert, status="booked")
    with pytest.raises(Conflict) as error:
        services.create_payout_item(booked, **kwargs)
    assert error.value.code == "not_payable"


# --- TOTP ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "error_code"),
    [("wrong", "invalid_totp"), ("missing", "invalid_totp"), ("stale", "invalid_totp"),
     ("no_secret", "totp_required")],
)
def test_approval_needs_the_current_totp_code(now, finance, given, error_code):
    item = payout()
    approver = finance_user(totp_secret=None) if given == "no_secret" else finance
    totp_code = {
        "wrong": "000000" if code(finance, now) != "000000" else "111111",
        "missing": "",
        "stale": code(finance, now - timedelta(minutes=5)),
        "no_secret": "123456",
    }[given]
    with pytest.raises(PermissionDenied) as error:
        services.approve_payout_items(approver, [item.id], totp_code, now)
    assert error.value.code == error_code and error.value.status == 403
    assert db.session.get(PayoutItem, item.id).status == "pending_approval"


@pytest.mark.parametrize("offset", [-30, 0, 30])
def test_codes_of_the_neighbouring_time_steps_are_accepted(now, finance, offset):
    item = payout()
    (approved,) = services.approve_payout_items(
        finance, [item.id], code(finance, now + timedelta(seconds=offset)), now)
    assert approved.status == "approved"
    assert approved.decided_by_id == finance.id and approved.decided_at == now


# --- four eyes ----------------------------------------------------------------------------


def test_the_reporter_cannot_approve_but_another_finance_user_can(now, finance, other_finance):
    item = payout(reported_by=finance)  # e.g. finance reported on the expert's behalf
    with pytest.raises(PermissionDenied) as error:
        services.approve_payout_items(finance, [item.id], code(finance, now), now)
    assert error.value.code == "four_eyes"
    assert services.four_eyes_conflicts(finance, [item]) == {item.id: "reporter"}
    (approved,) = services.approve_payout_items(other_finance, [item.id],
                                                code(other_finance, now), now)
    assert approved.status == "approved"
    assert ("payout_item_approved", other_finance.id) in audit_actions(item)


def test_the_payee_cannot_approve_their_own_payout(now):
    payee_user = finance_user()
    expert = expert_with_iban()
    expert.user_id = payee_user.id  # a finance user who also works as an expert
    db.session.flush()
    item = payout(expert, reported_by=factories.user("coordinator"))
    assert services.four_eyes_conflicts(payee_user, [item]) == {item.id: "payee"}
    with pytest.raises(PermissionDenied) as error:
        services.approve_payout_items(payee_user, [item.id], code(payee_user, now), now)
    assert error.value.code == "four_eyes"
    with pytest.raises(PermissionDenied):
        services.reject_payout_item(payee_user, item.id, "Ei käy.", code(payee_user, now), now)


def test_whoever_corrected_the_amounts_cannot_approve_even_after_someone_else_edits(
        now, finance, other_finance):
    item = payout(travel="20.00")
    services.edit_payout_item(finance, item.id, "10.00", "0", "Kuitti puuttui.", now)
    services.edit_payout_item(other_finance, item.id, "12.00", "0", "Kuitti löytyi osin.", now)
    assert item.prepared_by_id == other_finance.id
    for editor in (finance, other_finance):
        with pytest.raises(PermissionDenied) as error:
            services.approve_payout_items(editor, [item.id], code(editor, now), now)
        assert error.value.code == "four_eyes"
    third = finance_user()
    (approved,) = services.approve_payout_items(third, [item.id], code(third, now), now)
    assert approved.status == "approved"


def test_several_at_once_is_all_or_nothing(now, finance):
    mine = payout(reported_by=finance)
    others = [payout(), payout()]
    with pytest.raises(PermissionDenied):
        services.approve_payout_items(finance, [others[0].id, mine.id, others[1].id],
                                      code(finance, now), now)
    db.session.expire_all()
    assert {db.session.get(PayoutItem, i.id).status for i in (mine, *others)} == {
        "pending_approval"}
    approved = services.approve_payout_items(finance, [i.id for i in others],
                                             code(finance, now), now)
    assert [i.status for i in approved] == ["approved", "approved"]


def test_only_finance_and_admins_decide(now):
    item = payout()
    coordinator = factories.user("coordinator", totp_secret="KOKEMUSPANKKIDEMOTOTPKEY")
    with pytest.raises(PermissionDenied):
        services.approve_payout_items(coordinator, [item.id], code(coordinator, now), now)
    admin = factories.user("admin", totp_secret="KOKEMUSPANKKIDEMOTOTPKEY")
    (approved,) = services.approve_payout_items(admin, [item.id], code(admin, now), now)
    assert approved.status == "approved"


def test_an_item_is_decided_once(now, finance, other_finance):
    item = payout()
    services.approve_payout_items(finance, [item.id], code(finance, now), now)
    with pytest.raises(Conflict) as error:
        services.approve_payout_items(other_finance, [item.id], code(other_finance, now), now)
    assert error.value.code == "not_pending" and error.value.status == 409
    with pytest.raises(Conflict):
        services.reject_payout_item(other_finance, item.id, "Myöhässä.",
                                    code(other_finance, now), now)
    with pytest.raises(NotFound):
        services.approve_payout_items(finance, [999999], code(finance, now), now)


# --- rejection ----------------------------------------------------------------------------


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_rejection_needs_a_reason(now, finance, reason):
    item = payout()
    with pytest.raises(InvalidInput) as error:
        services.reject_payout_item(finance, item.id, reason, code(finance, now), now)
    assert error.value.code == "reason_required" and error.value.field == "reason"
    assert item.status == "pending_approval"


def test_rejection_reason_reaches_the_expert(now, finance):
    item = payout()
    services.reject_payout_item(finance, item.id, "  Tilaaja ei vahvistanut matkaa.  ",
                                code(finance, now), now)
    assert item.status == "rejected"
    assert item.rejection_reason == "Tilaaja ei vahvistanut matkaa."
    assert ("payout_item_rejected", finance.id) in audit_actions(item)
    mail = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == "payout_rejected", OutboxMessage.user_id == item.expert.user_id)
    ).one()
    assert "Tilaaja ei vahvistanut matkaa." in mail.body_text


# --- corrections --------------------------------------------------------------------------


def test_a_correction_recomputes_totals_and_is_audited(now, finance):
    item = payout(expert_with_iban(withholding_percent=Decimal("20")), travel="46.20",
                  per_diem="25.00")
    services.edit_payout_item(finance, item.id, "30.5", "0", "Ei kuittia.",
                              now)
    assert (item.travel, item.per_diem, item.withholding, item.net_fee, item.total_paid) == (
        Decimal("30.50"), Decimal("0.00"), Decimal("6.00"), Decimal("24.00"), Decimal("54.50"))
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "payout_item_edited", AuditEntry.subject_id == str(item.id))).one()
    assert entry.actor_id == finance.id
    assert entry.details["old_travel"] == "46.20" and entry.details["new_travel"] == "30.50"
    assert entry.details["old_total_paid"] == "95.20"
    assert entry.details["reason"] == "Ei kuittia."


def test_a_rejected_item_goes_back_to_the_queue_when_corrected(now, finance, other_finance):
    item = payout(travel="99.00")
    services.reject_payout_item(finance, item.id, "Liian pitkä matka.", code(finance, now), now)
    services.edit_payout_item(other_finance, item.id, "40.00", "0", "Korjattu reitti.", now)
    assert item.status == "pending_approval" and item.rejection_reason is None
    assert item.decided_by_id is None


@pytest.mark.parametrize(("travel", "per_diem", "field"), [
    ("-1", "0", "travel"), ("abc", "0", "travel"), ("1.234", "0", "travel"),
    ("0", "10001", "per_diem"), ("0", None, "per_diem"),
])
def test_corrections_must_be_sensible_amounts(now, finance, travel, per_diem, field):
    item = payout()
    with pytest.raises(InvalidInput) as error:
        services.edit_payout_item(finance, item.id, travel, per_diem, "Syy.", now)
    assert error.value.field == field


def test_approved_items_cannot_be_corrected(now, finance, other_finance):
    item = payout()
    services.approve_payout_items(finance, [item.id], code(finance, now), now)
    with pytest.raises(Conflict) as error:
        services.edit_payout_item(other_finance, item.id, "1.00", "0", "Syy.", now)
    assert error.value.code == "not_editable"


# --- two-factor enrolment -----------------------------------------------------------------


def test_enrolment_saves_the_secret_only_with_a_matching_code(now):
    import pyotp

    user = finance_user(totp_secret=None)
    secret = pyotp.random_base32()
    with pytest.raises(InvalidInput):
        services.enrol_totp(user, secret, "000000" if pyotp.TOTP(secret).at(now) != "000000"
                            else "111111", now)
    assert user.totp_secret is None
    services.enrol_totp(user, secret, pyotp.TOTP(secret).at(now), now)
    assert user.totp_secret == secret
    with pytest.raises(Conflict):
        services.enrol_totp(user, pyotp.random_base32(), "123456", now)
