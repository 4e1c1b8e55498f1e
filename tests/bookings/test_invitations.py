"""Invitations, accepting, declining, expiry, cascade, withdrawal and cancellation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.bookings import services
from app.bookings.models import Assignment, Order
from app.common.errors import Conflict, NotFound, PermissionDenied
from app.extensions import db
from app.mail.models import OutboxMessage
from tests import factories


def mails(kind: str, to: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.kind == kind)
    if to:
        query = query.where(OutboxMessage.to_address == to)
    return list(db.session.scalars(query))


def audited(action: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


def test_coordinator_invites_and_expert_accepts(world, coordinator, now):
    order, experts = world["order"], world["experts"]
    (invitation,) = services.invite_experts(coordinator, order, [experts[0].id], now)
    assert order.status == "matching"
    assert invitation.expires_at == now + timedelta(hours=48)
    assert len(mails("invitation", experts[0].user.email)) == 1
    assignments = services.accept_invitation(experts[0].user, invitation.id, now)
    db.session.commit()
    assert [a.status for a in assignments] == ["booked"]
    assert order.status == "filled"
    assert invitation.status == "accepted"
    booking_mail = mails("booking_confirmed", experts[0].user.email)
    assert len(booking_mail) == 1 and "BEGIN:VCALENDAR" in booking_mail[0].ics
    assert len(mails("order_filled", world["organiser"].email)) == 1
    assert audited("invitation_accepted") == 1


def test_invitation_never_expires_after_the_start(world, coordinator, now):
    order = world["order"]
    order.sessions[0].starts_at = now + timedelta(hours=5)
    (invitation,) = services.invite_experts(coordinator, order, [world["experts"][0].id], now)
    assert invitation.expires_at == now + timedelta(hours=5)


@pytest.mark.parametrize("role", ["organisation_member", "finance", "expert"])
def test_only_staff_invite(world, role, now):
    actor = factories.expert().user if role == "expert" else factories.user(role)
    with pytest.raises(PermissionDenied):
        services.invite_experts(actor, world["order"], [world["experts"][0].id], now)


def test_unverified_and_duplicate_invitations_are_refused(world, coordinator, now):
    applicant = factories.expert(status="applied")
    with pytest.raises(Exception) as error:
        services.invite_experts(coordinator, world["order"], [applicant.id], now)
    assert error.value.code == "expert_not_bookable"
    services.invite_experts(coordinator, world["order"], [world["experts"][0].id], now)
    with pytest.raises(Conflict):
        services.invite_experts(coordinator, world["order"], [world["experts"][0].id], now)


def test_late_accepter_gets_filled_and_other_invitations_close(world, coordinator, now):
    order, experts = world["order"], world["experts"]
    first, second = services.invite_experts(coordinator, order, [experts[0].id, experts[1].id],
                                            now)
    services.accept_invitation(experts[0].user, first.id, now)
    assert second.status == "closed"
    with pytest.raises(services.OrderFilled):
        services.accept_invitation(experts[1].user, second.id, now)
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 1


def test_an_expert_is_never_booked_twice_at_once(world, coordinator, now):
    expert = world["experts"][0]
    other = factories.order(sessions=[(world["start"] + timedelta(minutes=30), 60)])
    a = services.invite_experts(coordinator, world["order"], [expert.id], now)[0]
    b = services.invite_experts(coordinator, other, [expert.id], now)[0]
    services.accept_invitation(expert.user, a.id, now)
    with pytest.raises(services.ExpertBusy):
        services.accept_invitation(expert.user, b.id, now)


def test_someone_else_cannot_answer_an_invitation(world, coordinator, now):
    (invitation,) = services.invite_experts(coordinator, world["order"],
                                            [world["experts"][0].id], now)
    with pytest.raises(NotFound):
        services.accept_invitation(world["experts"][1].user, invitation.id, now)


def test_decline_cascades_to_the_next_candidate(world, coordinator, now):
    order, experts = world["order"], world["experts"]
    (invitation,) = services.invite_experts(coordinator, order, [experts[0].id], now)
    services.decline_invitation(experts[0].user, invitation.id, None, now)
    assert invitation.status == "declined" and invitation.decline_reason is None
    pending = [i for i in order.invitations if i.status == "pending"]
    assert [i.expert_id for i in pending] == [experts[1].id]  # next nearest: Ulvila
    assert pending[0].invited_by_id is None


def test_expiry_and_cascade_follow_the_clock(world, coordinator, now):
    order, experts = world["order"], world["experts"]
    (invitation,) = services.invite_experts(coordinator, order, [experts[0].id], now)
    assert services.expire_invitations(now + timedelta(hours=47)) == 0
    assert invitation.status == "pending"
    assert services.expire_invitations(now + timedelta(hours=48)) == 1
    assert invitation.status == "expired"
    assert audited("invitation_expired") == 1
    nexts = [i for i in order.invitations if i.status == "pending"]
    assert [i.expert_id for i in nexts] == [experts[1].id]
    assert len(mails("invitation", experts[1].user.email)) == 1


def test_no_candidates_left_tells_the_coordinator_once(world, coordinator, now):
    order, experts = world["order"], world["experts"]
    invitations = services.invite_experts(coordinator, order, [e.id for e in experts], now)
    for invitation, expert in zip(invitations, experts, strict=True):
        services.decline_invitation(expert.user, invitation.id, "busy", now)
    assert len(mails("order_no_candidates", coordinator.email)) == 1


def test_deadline_passes_and_order_becomes_unfilled(world, coordinator, now):
    order = world["order"]
    order.deadline_at = now + timedelta(days=2)
    (invitation,) = services.invite_experts(coordinator, order, [world["experts"][0].id], now)
    assert invitation.expires_at == now + timedelta(days=2)
    assert services.expire_unfilled_orders(now + timedelta(days=1)) == 0
    assert services.expire_unfilled_orders(now + timedelta(days=2)) == 1
    assert order.status == "unfilled"
    assert invitation.status == "withdrawn"
    assert len(mails("order_unfilled", world["organiser"].email)) == 1
    assert len(mails("order_unfilled", coordinator.email)) == 1


def test_withdrawal_reopens_the_slot_and_invites_the_next(world, coordinator, now):
    order, experts = world["order"], world["experts"]
    (invitation,) = services.invite_experts(coordinator, order, [experts[0].id], now)
    services.accept_invitation(experts[0].user, invitation.id, now)
    (assignment,) = services.withdraw_from_order(experts[0].user, order.id, "flu", now)
    assert assignment.status == "cancelled_by_expert"
    assert assignment.calendar_sequence == 1
    assert order.status == "matching"
    cancel_mail = mails("booking_cancelled", experts[0].user.email)
    assert "METHOD:CANCEL" in cancel_mail[0].ics and "SEQUENCE:1" in cancel_mail[0].ics
    assert len(mails("expert_withdrew", world["organiser"].email)) == 1
    assert [i.expert_id for i in order.invitations if i.status == "pending"] == [experts[1].id]


@pytest.mark.parametrize(("hours_before", "late"), [(72, False), (49, False), (47, True),
                                                    (2, True)])
def test_cancellation_by_the_organisation(world, coordinator, now, hours_before, late):
    order, expert = world["order"], world["experts"][0]
    order.sessions[0].starts_at = now + timedelta(hours=hours_before)
    (invitation,) = services.invite_experts(coordinator, order, [expert.id], now)
    (assignment,) = services.accept_invitation(expert.user, invitation.id, now)
    services.cancel_order(world["organiser"], order.id, now)
    assert order.status == "cancelled" and order.cancelled_late is late
    assert assignment.status == "cancelled_by_organisation"
    assert assignment.fee_due_despite_cancellation is late
    assert len(mails("booking_cancelled", expert.user.email)) == 1
    assert audited("order_cancelled") == 1


def test_another_organisation_cannot_cancel(world, now):
    stranger = factories.member(is_admin=True)
    with pytest.raises(NotFound):
        services.cancel_order(stranger, world["order"].id, now)
    assert db.session.get(Order, world["order"].id).status == "submitted"


def test_series_books_the_same_expert_for_every_session(coordinator, now):
    start = now + timedelta(days=5)
    order = factories.order(sessions=[(start, 180), (start + timedelta(days=7), 180),
                                      (start + timedelta(days=14), 180)],
                            assignment_type_code="meeting")
    expert = factories.expert()
    busy_in_third = factories.expert()
    clash = factories.order(sessions=[(start + timedelta(days=14, hours=1), 60)])
    factories.booking(clash, busy_in_third)
    invitations = services.invite_experts(coordinator, order, [expert.id, busy_in_third.id], now)
    booked = services.accept_invitation(expert.user, invitations[0].id, now)
    assert len(booked) == 3 and {a.expert_id for a in booked} == {expert.id}
    with pytest.raises((services.ExpertBusy, services.OrderFilled)):
        services.accept_invitation(busy_in_third.user, invitations[1].id, now)


def test_the_late_cancellation_window_is_an_admin_setting(world, coordinator, now):
    from app.admin.services import set_setting

    set_setting(factories.user("admin"), "late_cancellation_hours", 100)
    order, expert = world["order"], world["experts"][0]
    order.sessions[0].starts_at = now + timedelta(hours=72)
    (invitation,) = services.invite_experts(coordinator, order, [expert.id], now)
    (assignment,) = services.accept_invitation(expert.user, invitation.id, now)
    services.cancel_order(world["organiser"], order.id, now)
    assert order.cancelled_late is True and assignment.fee_due_despite_cancellation is True
