"""Changing the times of a series (issue #12, point 4): every session moves, the same experts
stay booked for all of them, a colliding expert is released from the whole series and the
cascade invites the next candidate; each booked expert gets one mail whose calendar updates
every session's entry (the same UID, a higher SEQUENCE)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from app.bookings import changes, services
from app.bookings.changes import OrderChange, SessionTime
from app.common.errors import Conflict, InvalidInput, NotFound
from app.experts.models import Unavailability
from app.extensions import db
from app.mail.models import OutboxMessage
from tests import factories


def mails(kind: str, to: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.kind == kind)
    if to:
        query = query.where(OutboxMessage.to_address == to)
    return list(db.session.scalars(query.order_by(OutboxMessage.id)))


def events(ics: str) -> list:
    return Calendar.from_ical(ics).walk("VEVENT")


@pytest.fixture
def series(world, coordinator, now):
    """A three-session series of world's organisation, weekly from ``start``, 2 hours each,
    two experts needed; experts 0 and 1 booked (through the real invitation and accept),
    expert 2 left as the next candidate."""
    start = world["start"]
    order = factories.order(world["organiser"].membership.organisation,
                            created_by=world["organiser"], status="submitted",
                            experts_needed=2, series_template="co_development_3",
                            sessions=[(start + timedelta(days=7 * n), 120) for n in range(3)])
    experts = world["experts"]
    invitations = services.invite_experts(coordinator, order, [experts[0].id, experts[1].id],
                                          now)
    for invitation, expert in zip(invitations, experts[:2], strict=True):
        services.accept_invitation(expert.user, invitation.id, now)
    db.session.commit()
    assert order.status == "filled" and len(order.assignments) == 6
    db.session.execute(OutboxMessage.__table__.delete())
    return order


def _times(order, shift=timedelta(0), **by_position):
    """The order's session times, each shifted by ``shift``; ``s3=(start, minutes)`` sets
    one session's own."""
    times = []
    for session in order.sessions:
        start, minutes = by_position.get(f"s{session.position}",
                                         (session.starts_at + shift, session.duration_minutes))
        times.append(SessionTime(start, minutes))
    return tuple(times)


def _booked(order, expert):
    return sorted((a for a in order.assignments if a.expert_id == expert.id),
                  key=lambda a: a.session.position)


def test_moving_the_whole_series_moves_every_booking_with_one_mail_each(world, series, now):
    organiser = world["organiser"]
    before = [(s.starts_at, s.duration_minutes) for s in series.sessions]
    shift = timedelta(days=2, hours=1)
    new = _times(series, shift, s2=(before[1][0] + shift, 90))
    result = changes.change_order(organiser, series.id, OrderChange(sessions=new), now)
    db.session.commit()
    assert result.changed == ["sessions"] and result.released == []
    assert [(s.starts_at, s.duration_minutes) for s in series.sessions] == \
        [(t.starts_at, t.duration_minutes) for t in new]
    for expert in world["experts"][:2]:
        booked = _booked(series, expert)
        assert [(a.starts_at, a.ends_at) for a in booked] == [
            (t.starts_at, t.starts_at + timedelta(minutes=t.duration_minutes)) for t in new]
        assert [a.calendar_sequence for a in booked] == [1, 1, 1]
        (mail,) = mails("booking_changed", expert.user.email)
        cal = Calendar.from_ical(mail.ics)
        assert str(cal["METHOD"]) == "REQUEST"
        entries = events(mail.ics)
        assert [str(e["UID"]) for e in entries] == [f"assignment-{a.id}@kokemuspankki"
                                                    for a in booked]
        assert [int(e["SEQUENCE"]) for e in entries] == [1, 1, 1]
        assert [e.decoded("DTSTART") for e in entries] == [t.starts_at for t in new]
        assert entries[1].decoded("DTEND") == new[1].starts_at + timedelta(minutes=90)
        # The mail lists every session's new time, one line each.
        assert len([line for line in mail.body_text.splitlines()
                    if line.startswith("- ")]) == 3
    assert len(mails("booking_changed")) == 2
    assert len(mails("booking_released")) == 0


def test_a_second_change_raises_the_sequence_again(world, series, now):
    organiser = world["organiser"]
    changes.change_order(organiser, series.id,
                         OrderChange(sessions=_times(series, timedelta(hours=1))), now)
    changes.change_order(organiser, series.id,
                         OrderChange(sessions=_times(series, timedelta(hours=1))), now)
    db.session.commit()
    expert = world["experts"][0]
    assert [a.calendar_sequence for a in _booked(series, expert)] == [2, 2, 2]
    latest = mails("booking_changed", expert.user.email)[-1]
    assert [int(e["SEQUENCE"]) for e in events(latest.ics)] == [2, 2, 2]


def test_moving_only_the_third_session(world, series, now):
    first, second, third = (s.starts_at for s in series.sessions)
    new_third = third + timedelta(days=3, hours=-2)
    result = changes.change_order(world["organiser"], series.id,
                                  OrderChange(sessions=_times(series, s3=(new_third, 120))),
                                  now)
    db.session.commit()
    assert result.changed == ["sessions"]
    assert [s.starts_at for s in series.sessions] == [first, second, new_third]
    expert = world["experts"][0]
    booked = _booked(series, expert)
    assert [a.starts_at for a in booked] == [first, second, new_third]
    (mail,) = mails("booking_changed", expert.user.email)
    assert [e.decoded("DTSTART") for e in events(mail.ics)] == [first, second, new_third]
    assert [int(e["SEQUENCE"]) for e in events(mail.ics)] == [1, 1, 1]


def test_the_same_times_change_nothing_and_tell_nobody(world, series, now):
    result = changes.change_order(world["organiser"], series.id,
                                  OrderChange(sessions=_times(series)), now)
    assert result.changed == []
    assert mails("booking_changed") == []
    assert all(a.calendar_sequence == 0 for a in series.assignments)


def test_a_collision_with_one_session_releases_the_expert_from_the_whole_series(
        world, series, now):
    """Expert 0 is unavailable at the new time of the second session only: they are
    released from all three, expert 1 stays, the cascade invites expert 2."""
    busy, stays, nxt = world["experts"]
    shift = timedelta(days=1)
    new = _times(series, shift)
    db.session.add(Unavailability(expert_id=busy.id, starts_at=new[1].starts_at,
                                  ends_at=new[1].starts_at + timedelta(hours=1)))
    db.session.flush()
    result = changes.change_order(world["organiser"], series.id, OrderChange(sessions=new), now)
    db.session.commit()
    released = _booked(series, busy)
    assert sorted(a.id for a in result.released) == sorted(a.id for a in released)
    assert [a.status for a in released] == ["cancelled_by_organisation"] * 3
    assert all(a.cancel_reason == changes.RELEASED_REASON for a in released)
    assert [a.status for a in _booked(series, stays)] == ["booked"] * 3
    assert series.status == "partially_filled"
    assert result.invited == 1
    pending = [i for i in series.invitations if i.status == "pending"]
    assert [i.expert_id for i in pending] == [nxt.id]
    assert pending[0].expires_at <= series.sessions[0].starts_at
    # One polite release mail cancelling every session's entry; no "changed" mail to them.
    (mail,) = mails("booking_released", busy.user.email)
    assert str(Calendar.from_ical(mail.ics)["METHOD"]) == "CANCEL"
    entries = events(mail.ics)
    assert [str(e["UID"]) for e in entries] == [f"assignment-{a.id}@kokemuspankki"
                                                for a in released]
    assert all(str(e["STATUS"]) == "CANCELLED" and int(e["SEQUENCE"]) == 1 for e in entries)
    assert mails("booking_changed", busy.user.email) == []
    assert len(mails("booking_changed", stays.user.email)) == 1
    assert len(mails("invitation", nxt.user.email)) == 1


def test_another_booking_at_a_new_session_also_releases(world, series, coordinator, now):
    busy = world["experts"][1]
    new_third = series.sessions[2].starts_at + timedelta(days=2)
    other = factories.order(sessions=[(new_third + timedelta(minutes=30), 60)],
                            status="filled")
    factories.booking(other, busy)
    db.session.flush()
    result = changes.change_order(coordinator, series.id,
                                  OrderChange(sessions=_times(series, s3=(new_third, 120))),
                                  now)
    assert {a.expert_id for a in result.released} == {busy.id}
    assert len(result.released) == 3


def test_pending_invitations_never_expire_after_the_new_first_session(world, coordinator,
                                                                       now):
    order = factories.order(world["organiser"].membership.organisation, status="submitted",
                            sessions=[(now + timedelta(days=20 + 7 * n), 60)
                                      for n in range(3)])
    (invitation,) = services.invite_experts(coordinator, order, [world["experts"][0].id], now)
    first = now + timedelta(hours=10)
    new = (SessionTime(first, 60), SessionTime(first + timedelta(days=1), 60),
           SessionTime(first + timedelta(days=2), 60))
    changes.change_order(coordinator, order.id, OrderChange(sessions=new), now)
    assert invitation.expires_at == first
    assert len(mails("invitation_changed", world["experts"][0].user.email)) == 1


@pytest.mark.parametrize(("case", "code", "number"), [
    ("third_before_second", "sessions_out_of_order", 3),
    ("second_overlaps_first", "sessions_overlap", 2),
    ("second_in_the_past", "start_in_past", 2),
    ("third_too_long", "invalid_duration", 3),
])
def test_bad_session_times_are_refused_naming_the_session(world, series, now, case, code,
                                                          number):
    first, second, third = (s.starts_at for s in series.sessions)
    new = {
        "third_before_second": _times(series, s3=(second - timedelta(days=1), 120)),
        "second_overlaps_first": _times(series, s2=(first + timedelta(minutes=119), 120)),
        "second_in_the_past": _times(series, s2=(now - timedelta(minutes=1), 120)),
        "third_too_long": _times(series, s3=(third, 1441)),
    }[case]
    with pytest.raises(InvalidInput) as error:
        changes.change_order(world["organiser"], series.id, OrderChange(sessions=new), now)
    assert error.value.code == code
    assert error.value.session_index == number - 1
    assert f"Session {number}" in str(error.value)
    db.session.rollback()
    db.session.expire_all()
    assert [s.starts_at for s in series.sessions] == [first, second, third]


def test_back_to_back_sessions_are_fine(world, series, now):
    first = series.sessions[0].starts_at
    new = _times(series, s2=(first + timedelta(minutes=120), 120))
    assert changes.change_order(world["organiser"], series.id, OrderChange(sessions=new),
                                now).changed == ["sessions"]


@pytest.mark.parametrize("count", [1, 2, 4])
def test_the_wrong_number_of_sessions_is_refused(world, series, now, count):
    start = series.sessions[0].starts_at
    new = tuple(SessionTime(start + timedelta(days=n), 60) for n in range(count))
    with pytest.raises(InvalidInput) as error:
        changes.change_order(world["organiser"], series.id, OrderChange(sessions=new), now)
    assert error.value.code == "wrong_session_count" and error.value.field == "sessions"


@pytest.mark.parametrize("change", [
    OrderChange(starts_at=None, duration_minutes=60),
    OrderChange(title="Uusi nimi", duration_minutes=60),
])
def test_a_series_is_never_shifted_by_starts_at_or_duration_alone(world, series, now, change):
    with pytest.raises(InvalidInput) as error:
        changes.change_order(world["organiser"], series.id, change, now)
    assert error.value.code == "sessions_required" and error.value.field == "sessions"


def test_sessions_and_starts_at_together_are_refused(world, series, now):
    change = OrderChange(sessions=_times(series), starts_at=series.sessions[0].starts_at)
    with pytest.raises(InvalidInput) as error:
        changes.change_order(world["organiser"], series.id, change, now)
    assert error.value.code == "conflicting_times"


def test_a_started_series_cannot_be_changed(world, coordinator, now):
    order = factories.order(world["organiser"].membership.organisation, status="filled",
                            sessions=[(now - timedelta(days=1), 60),
                                      (now + timedelta(days=6), 60),
                                      (now + timedelta(days=13), 60)])
    new = (SessionTime(now + timedelta(days=2), 60), SessionTime(now + timedelta(days=6), 60),
           SessionTime(now + timedelta(days=13), 60))
    for actor in (world["organiser"], coordinator):
        with pytest.raises(Conflict) as error:
            changes.change_order(actor, order.id, OrderChange(sessions=new), now)
        assert error.value.code == "already_started"


def test_another_organisation_cannot_move_the_series(world, series, now):
    stranger = factories.member()
    with pytest.raises(NotFound):
        changes.change_order(stranger, series.id, OrderChange(sessions=_times(series)), now)
    expert = factories.expert()
    with pytest.raises(NotFound):
        changes.change_order(expert.user, series.id, OrderChange(sessions=_times(series)),
                             now)
    assert all(a.calendar_sequence == 0 for a in series.assignments)


def test_a_title_change_of_a_series_is_one_mail_per_expert(world, series, now):
    changes.change_order(world["organiser"], series.id, OrderChange(title="Uusi nimi"), now)
    db.session.commit()
    for expert in world["experts"][:2]:
        (mail,) = mails("booking_changed", expert.user.email)
        assert [int(e["SEQUENCE"]) for e in events(mail.ics)] == [1, 1, 1]
        assert {str(e["SUMMARY"]) for e in events(mail.ics)} == {"Uusi nimi"}


def test_a_one_off_order_may_use_sessions_too(world, coordinator, now):
    order, expert = world["order"], world["experts"][0]
    (assignment,) = factories.booking(order, expert)
    order.status = "filled"
    new_start = world["start"] + timedelta(days=1)
    result = changes.change_order(world["organiser"], order.id,
                                  OrderChange(sessions=(SessionTime(new_start, 50),)), now)
    assert result.changed == ["starts_at", "duration_minutes"]
    assert assignment.starts_at == new_start
    assert assignment.ends_at == new_start + timedelta(minutes=50)
    (mail,) = mails("booking_changed", expert.user.email)
    assert [int(e["SEQUENCE"]) for e in events(mail.ics)] == [1]
