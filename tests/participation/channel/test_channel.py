"""The anonymous feedback channel: nothing identifying is stored, spam is dropped, the
eleventh post from one address within a minute is refused, coordinators read, tag and
forward, and the organisation receives the message without any sender details."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, inspect, select

from app.audit.models import AuditEntry
from app.common.errors import PermissionDenied
from app.common.timeutil import to_helsinki, utcnow
from app.extensions import db
from app.mail.models import OutboxMessage
from app.participation.channel import services as channel
from app.participation.channel.models import AnonymousFeedback
from tests import factories
from tests.web.helpers import logged_in, page

ADDRESS = "10.0.0.7"
AGENT = "Mozilla/5.0 (X11; Linux x86_64) TunnistettavaSelain/1.0"
TEXT = "Odotin puhelinjonossa tunnin. Toivon takaisinsoittoa."


def token(app, seconds_ago: int = 10) -> str:
    return channel.make_form_token(app.config["SECRET_KEY"],
                                   utcnow() - timedelta(seconds=seconds_ago))


def post(client, app, *, address: str = ADDRESS, **fields):
    data = {"topic": "services", "about": "Sosiaalitoimisto", "text": TEXT,
            "website": "", "form_token": token(app)}
    data.update(fields)
    return client.post("/feedback/", data=data,
                       environ_base={"REMOTE_ADDR": address, "HTTP_USER_AGENT": AGENT})


def stored() -> list[AnonymousFeedback]:
    return list(db.session.scalars(select(AnonymousFeedback).order_by(AnonymousFeedback.id)))


def test_the_form_is_public(client):
    response = client.get("/feedback/")
    assert response.status_code == 200
    html = page(response)
    assert 'name="form_token"' in html and 'name="website"' in html
    assert "<div hidden>" in html  # the honeypot is hidden from people and screen readers


def test_a_message_is_stored_without_anything_that_identifies_the_sender(app, client):
    audits_before = db.session.scalar(select(func.count(AuditEntry.id)))
    mails_before = db.session.scalar(select(func.count(OutboxMessage.id)))
    response = post(client, app)
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/feedback/thanks")
    (row,) = stored()
    columns = {c.key for c in inspect(AnonymousFeedback).columns}
    assert columns == {"id", "topic", "about", "text", "received_on", "status",
                       "forwarded_to_id", "forwarded_at", "forwarded_by_id", "forward_note"}
    for forbidden in ("ip", "address", "agent", "user", "session", "email", "created"):
        assert not any(forbidden in name for name in columns - {"forwarded_by_id"}), forbidden
    values = [str(getattr(row, name)) for name in columns]
    assert not any(ADDRESS in v or "TunnistettavaSelain" in v for v in values)
    assert row.text == TEXT and row.topic == "services" and row.status == "new"
    assert row.received_on == to_helsinki(utcnow()).date()  # the day only, no time
    assert row.forwarded_by_id is None
    # No audit entry or mail whose time could be matched with server logs.
    assert db.session.scalar(select(func.count(AuditEntry.id))) == audits_before
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == mails_before


def test_the_honeypot_drops_the_post_quietly(app, client):
    response = post(client, app, website="http://spam.example")
    assert response.status_code == 302  # robots are thanked like people
    assert stored() == []


@pytest.mark.parametrize("form_token", [
    "", "1234567890.forged", "not-a-token",
])
def test_a_missing_or_forged_timestamp_is_dropped(app, client, form_token):
    response = post(client, app, form_token=form_token)
    assert response.status_code == 422 and stored() == []
    assert TEXT in page(response)  # the text is kept so that a person can send it again


def test_a_post_faster_than_a_person_is_dropped(app, client):
    response = post(client, app, form_token=token(app, seconds_ago=1))
    assert response.status_code == 422 and stored() == []
    assert post(client, app, form_token=token(app, seconds_ago=4)).status_code == 302
    assert len(stored()) == 1


def test_a_very_old_form_is_sent_again(app, client):
    response = post(client, app, form_token=token(app, seconds_ago=7 * 3600))
    assert response.status_code == 422 and stored() == []


def test_the_eleventh_post_within_a_minute_is_refused(app, client):
    for number in range(10):
        assert post(client, app, text=f"Viesti {number}").status_code == 302, number
    refused = post(client, app, text="Yhdestoista")
    assert refused.status_code == 429
    assert "wait" in page(refused).lower() or "odota" in page(refused).lower()
    assert len(stored()) == 10
    # Another address is not affected, and a page view is never limited.
    assert post(client, app, address="10.0.0.8", text="Toinen osoite").status_code == 302
    assert client.get("/feedback/", environ_base={"REMOTE_ADDR": ADDRESS}).status_code == 200


def test_the_limit_page_is_friendly_and_in_english_on_request(app, client):
    client.get("/language/en")
    for _ in range(10):
        post(client, app)
    refused = post(client, app)
    assert refused.status_code == 429
    assert "Please wait a moment" in page(refused)


def test_invalid_posts_are_shown_again(app, client):
    response = post(client, app, text="  ", topic="nonsense")
    assert response.status_code == 422 and stored() == []


# --- Coordinators read, tag and forward ------------------------------------------------------


@pytest.fixture
def message(app, client):
    post(client, app)
    return stored()[0]


def test_coordinators_read_tag_and_forward(client, coordinator, organiser, message):
    organisation_id = organiser.organisation_id
    channel.mark_read(coordinator, message.id)
    assert message.status == "read"
    channel.set_tags(coordinator, message.id, "Puhelinjonot, odotusajat; puhelinjonot")
    assert sorted(t.tag for t in message.tags) == ["odotusajat", "puhelinjonot"]
    assert channel.inbox(coordinator, tag="odotusajat") == [message]
    channel.forward(coordinator, message.id, organisation_id, "Voisitteko katsoa?")
    assert message.status == "forwarded" and message.forwarded_to_id == organisation_id
    told = db.session.scalars(select(OutboxMessage.to_address).where(
        OutboxMessage.kind == "channel_forwarded")).all()
    assert told == [organiser.email]
    assert channel.forwarded_to(organiser) == [message]
    channel.archive(coordinator, message.id)
    assert channel.inbox(coordinator) == []


def test_only_coordinators_read_the_inbox(client, organiser, message):
    with pytest.raises(PermissionDenied):
        channel.inbox(organiser)
    db.session.commit()
    logged_in(client, organiser.email)
    assert client.get("/participation/channel").status_code == 403
    assert client.get(f"/participation/channel/{message.id}").status_code == 403


def test_the_organisation_sees_the_forwarded_text_and_nothing_about_the_sender(
        client, coordinator, organiser, message):
    channel.forward(coordinator, message.id, organiser.organisation_id, "")
    db.session.commit()
    logged_in(client, organiser.email)
    html = page(client.get("/participation/channel/forwarded"))
    assert TEXT in html and ADDRESS not in html and "TunnistettavaSelain" not in html
    other = factories.member()
    db.session.commit()
    other_client = client.application.test_client()
    logged_in(other_client, other.email)
    assert TEXT not in page(other_client.get("/participation/channel/forwarded"))


def test_the_inbox_comes_in_pages_and_the_hub_counts_new_messages(client, coordinator):
    """55 messages: the inbox shows the newest 50 and a link to the rest; a broken page
    link gives the first page with a message; the hub counts the new ones in the database."""
    today = to_helsinki(utcnow()).date()
    rows = [AnonymousFeedback(topic="services", text=f"Viesti numero {n:02d}.", status="new",
                              received_on=today - timedelta(days=n)) for n in range(55)]
    db.session.add_all(rows)
    db.session.commit()
    logged_in(client, coordinator.email)
    first = page(client.get("/participation/channel"))
    shown = [n for n in range(55) if f"Viesti numero {n:02d}." in first]
    assert shown == list(range(50))
    assert 'rel="next"' in first
    later = client.get("/participation/channel?cursor="
                       + first.split('rel="next" href="')[1].split('"')[0].split("cursor=")[1])
    rest = page(later)
    assert [n for n in range(55) if f"Viesti numero {n:02d}." in rest] == list(range(50, 55))
    assert 'rel="next"' not in rest
    broken = client.get("/participation/channel?cursor=not-a-cursor")
    assert broken.status_code == 422
    assert "Viesti numero 00." in page(broken)
    assert channel.new_count(coordinator) == 55
    assert "55" in page(client.get("/participation/"))


def test_only_coordinators_count_new_messages(organiser):
    with pytest.raises(PermissionDenied):
        channel.new_count(organiser)
