"""The record of a session: agenda, notes, ideas, decisions and follow-ups, with who wrote
them and when."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.accounts.passwords import hash_password
from app.bookings.services import CO_DEVELOPMENT_SESSIONS
from app.common.errors import InvalidInput, PermissionDenied
from app.common.timeutil import utcnow
from app.extensions import db
from app.participation.groups import records
from app.participation.groups import services as groups
from tests import factories
from tests.participation import helpers
from tests.web.helpers import logged_in, page


@pytest.fixture
def meeting(organiser, panel, experts):
    order = helpers.past_meeting(panel, experts[:1])
    return order.sessions[0]


def test_members_write_notes_and_ideas_and_leads_write_decisions(organiser, panel, meeting, now):
    member = helpers.participant(organiser, panel.id)
    secretary = helpers.participant(organiser, panel.id, "secretary")
    note = records.add_entry(member, meeting.id, "notes", "Puhuimme odotusajoista.", now)
    idea = records.add_entry(member, meeting.id, "idea", "Takaisinsoitto")
    with pytest.raises(PermissionDenied):
        records.add_entry(member, meeting.id, "decision", "Otetaan käyttöön")
    decision = records.add_entry(secretary, meeting.id, "decision", "Selvitetään")
    agenda = records.add_entry(secretary, meeting.id, "agenda", "1. Odotusajat")
    record = records.record_of(meeting)
    assert record.notes == [note] and record.ideas == [idea] and record.decisions == [decision]
    assert record.agenda == "1. Odotusajat" and record.agenda_entry == agenda
    assert note.author_id == member.id and note.created_at == now
    with pytest.raises(InvalidInput):
        records.add_entry(member, meeting.id, "notes", "   ")


def test_a_booked_expert_writes_notes(experts, meeting):
    entry = records.add_entry(experts[0].user, meeting.id, "notes", "Kokemukseni")
    assert entry.author_id == experts[0].user_id


def test_follow_ups_have_an_owner_from_the_circle_and_a_due_date(organiser, panel, meeting,
                                                                 experts):
    member = helpers.participant(organiser, panel.id)
    item = records.add_follow_up(organiser, meeting.id, "Selvitä takaisinsoitto", member.id,
                                 date(2030, 4, 1))
    assert item.status == "open" and item.owner_id == member.id
    assert records.open_follow_ups_of(member) == [item]
    stranger = factories.member()
    with pytest.raises(InvalidInput):
        records.add_follow_up(organiser, meeting.id, "X", stranger.id, date(2030, 4, 1))
    with pytest.raises(InvalidInput):
        records.add_follow_up(organiser, meeting.id, "X", member.id, None)
    with pytest.raises(PermissionDenied):
        records.add_follow_up(member, meeting.id, "X", member.id, date(2030, 4, 1))
    records.set_follow_up_done(member, item.id)  # the owner marks it done
    assert item.status == "done" and item.done_by_id == member.id
    assert records.open_follow_ups_of(member) == []


def test_a_co_development_session_starts_from_the_template_prompts(organiser, panel):
    now = utcnow()
    starts = [(now + timedelta(days=d)).replace(minute=0, second=0, microsecond=0)
              for d in (7, 21, 35)]
    order = groups.book_meeting(organiser, panel.id, groups.MeetingRequest(
        title="Sarja", sessions=groups.series_sessions(starts, 180), series=True, remote=True))
    for session, (_title, prompt) in zip(order.sessions, CO_DEVELOPMENT_SESSIONS, strict=True):
        assert records.record_of(session).agenda == str(prompt)
        assert records.record_of(session).agenda_entry is None


def test_notes_written_on_the_page_show_who_wrote_them(client, organiser, panel, meeting):
    member = helpers.participant(organiser, panel.id)
    member.password_hash = hash_password(factories.DEFAULT_PASSWORD)
    db.session.commit()
    logged_in(client, member.email)
    response = client.post(f"/participation/sessions/{meeting.id}",
                           data={"form": "notes", "notes-text": "Tärkeä huomio"})
    assert response.status_code == 302
    html = page(client.get(f"/participation/sessions/{meeting.id}"))
    assert "Tärkeä huomio" in html and member.full_name in html
    # Plain members have no form for decisions; posting one is refused.
    assert 'name="decision-text"' not in html
    refused = client.post(f"/participation/sessions/{meeting.id}",
                          data={"form": "decision", "decision-text": "Päätös"})
    assert refused.status_code == 403
