"""Changing one's e-mail address (issue 11, point 5): the current password, a one-time link to
the new address, notices to the old one, the same answer for an address that already has an
account, other sessions ended and tokens revoked, and notices of money changes to the
previous address for 30 days."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.accounts import email_change
from app.accounts.models import LoginAttempt, User
from app.accounts.tokens import EMAIL_CHANGE_MAX_AGE, make_email_change_token, make_reset_token
from app.audit.models import AuditEntry
from app.common.errors import InvalidInput, PermissionDenied
from app.common.timeutil import utcnow
from app.extensions import db
from app.mail.models import OutboxMessage
from tests import factories
from tests.payouts.helpers import EXPERT_IBANS, expert_with_iban
from tests.web.helpers import field_error, field_value, page, redirect_path, use_english

NEW = "vilma.uusi@example.fi"
WRONG = "not-the-password"


def person(app, *, iban: bool = False, **fields) -> str:
    with app.app_context():
        user = (expert_with_iban(0, **fields) if iban else factories.expert(**fields)).user
        db.session.commit()
        return user.email


def user_of(app, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def user_id_of(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def mails(app, kind: str | None = None, to: str | None = None) -> list[OutboxMessage]:
    with app.app_context():
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        if to:
            query = query.where(OutboxMessage.to_address == to)
        found = db.session.scalars(query).all()
        for mail in found:
            db.session.expunge(mail)
        return found


def audits(app, action: str, user_id: int) -> list[dict]:
    with app.app_context():
        return [e.details for e in db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == action, AuditEntry.subject_type == "user",
            AuditEntry.subject_id == str(user_id)).order_by(AuditEntry.id))]


def link_of(mail: OutboxMessage) -> str:
    return re.search(r"https?://\S+(/account/email/confirm/\S+)", mail.body_text).group(1)


def signed_in(client) -> bool:
    return redirect_path(client.get("/home")) != "/login"


def ask(client, email: str = NEW, password: str = factories.DEFAULT_PASSWORD, **kwargs):
    return client.post("/account/email", data={"email": email, "current_password": password},
                       **kwargs)


def flashed(client) -> str:
    """The messages shown on the next page (the account page)."""
    html = page(client.get("/account"))
    return " ".join(re.findall(r'<p class="flash [^"]*">(.*?)</p>', html, re.S))


def link_for(app, user_id: int, new_email: str = NEW) -> str:
    with app.app_context(), app.test_request_context("/"):
        token = make_email_change_token(app.config["SECRET_KEY"],
                                        db.session.get(User, user_id), new_email)
    return f"/account/email/confirm/{token}"


# --- the whole change -----------------------------------------------------------------------


def test_the_address_changes_only_when_the_link_is_confirmed(app, login):
    old = person(app)
    user_id = user_id_of(app, old)
    client = app.test_client()
    login(client, old)
    use_english(client)
    assert client.get("/account/email").status_code == 200
    assert redirect_path(ask(client, " Vilma.Uusi@Example.fi ")) == "/account"
    assert "We sent a link to the new address" in flashed(client)
    assert user_of(app, user_id).email == old  # nothing changed yet

    (link_mail,) = mails(app, "email_change_confirm")
    assert link_mail.to_address == NEW and link_mail.user_id == user_id
    (notice,) = mails(app, "email_change_requested")
    assert notice.to_address == old
    assert "v***@example.fi" in notice.body_text and NEW not in notice.body_text
    assert "/password/forgot" in notice.body_text  # the way to stop it
    assert audits(app, "email_change_requested", user_id) == [{"new_email": "v***@example.fi"}]

    path = link_of(link_mail)
    landing = client.get(path)
    assert landing.status_code == 200 and NEW in page(landing)
    assert user_of(app, user_id).email == old  # opening the link (a mail scanner) changes nothing
    assert redirect_path(client.post(path)) == "/account"
    assert f"Your e-mail address is now {NEW}" in flashed(client)
    user = user_of(app, user_id)
    assert (user.email, user.previous_email) == (NEW, old)
    assert utcnow() - user.email_changed_at < timedelta(minutes=1)
    (done,) = mails(app, "email_changed")
    assert done.to_address == old and "v***@example.fi" in done.body_text
    assert NEW not in done.body_text
    assert audits(app, "email_changed", user_id) == [
        {"old_email": email_change.mask_email(old), "new_email": "v***@example.fi"}]
    assert signed_in(client)  # this session goes on

    fresh = app.test_client()
    assert login(fresh, old).status_code == 200  # the old address no longer signs in
    assert redirect_path(login(fresh, NEW)) == "/expert/"


def test_confirming_ends_the_other_sessions_and_revokes_api_tokens(app, login, api_token):
    old = person(app)
    user_id = user_id_of(app, old)
    here, elsewhere = app.test_client(), app.test_client()
    login(here, old)
    login(elsewhere, old)
    token = api_token(app.test_client(), old)
    ask(here)
    here.post(link_of(mails(app, "email_change_confirm")[-1]))
    assert user_of(app, user_id).email == NEW
    assert signed_in(here)
    assert not signed_in(elsewhere)
    me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401


def test_a_wrong_password_keeps_the_input_and_counts_as_a_wrong_password(app, login):
    old = person(app)
    user_id = user_id_of(app, old)
    client = app.test_client()
    login(client, old)
    use_english(client)
    response = ask(client, password=WRONG)
    assert response.status_code == 422
    assert field_error(response, "current_password") == "The current password is not correct."
    assert field_value(response, "email") == NEW  # what was typed stays
    assert mails(app, "email_change_confirm") == [] and mails(app, "email_change_requested") == []
    assert audits(app, "email_change_requested", user_id) == []
    with app.app_context():
        (attempt,) = db.session.scalars(select(LoginAttempt).where(
            LoginAttempt.email == old, LoginAttempt.succeeded.is_(False)))
        assert attempt.kind == "password"
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        assert ask(client, password=WRONG).status_code == 422
    # Paused like the sign-in: even the right password is not tried now.
    paused = ask(client)
    assert paused.status_code == 429
    assert "Too many wrong passwords" in field_error(paused, "current_password")
    assert mails(app, "email_change_confirm") == []
    # ... and the sign-in counts the same wrong passwords.
    assert login(app.test_client(), old).status_code == 429


def test_the_same_address_and_bad_input_are_refused_with_a_message(app, login):
    old = person(app)
    client = app.test_client()
    login(client, old)
    use_english(client)
    same = ask(client, old.upper())
    assert same.status_code == 422
    assert field_error(same, "email") == "This is already your e-mail address."
    bad = ask(client, "not an address")
    assert bad.status_code == 422 and field_value(bad, "email") == "not an address"
    assert ask(client, "").status_code == 422
    assert mails(app, "email_change_confirm") == [] and mails(app, "email_change_requested") == []


# --- an address that already has an account --------------------------------------------------


def test_an_address_with_an_account_gets_the_same_answer_and_no_change(app, login):
    """Two requests of one user, to a free address and to a taken one with the same masked
    form: every answer the user can see is the same."""
    old = person(app)
    user_id = user_id_of(app, old)
    taken = person(app, email="vilma.varattu@example.fi", full_name="Vilma Varattu")
    taken_id = user_id_of(app, taken)
    client = app.test_client()
    login(client, old)
    use_english(client)

    answers = []
    for address in ("vilma.vapaa@example.fi", taken):
        response = ask(client, address)
        answers.append((response.status_code, response.headers["Location"],
                        response.get_data(), flashed(client)))
    assert answers[0] == answers[1]
    assert answers[0][0] == 302 and "We sent a link" in answers[0][3]
    # The same audit entry and the same notice to the current address.
    first, second = audits(app, "email_change_requested", user_id)
    assert first == second == {"new_email": "v***@example.fi"}
    notices = mails(app, "email_change_requested", to=old)
    assert len(notices) == 2
    assert (notices[0].subject, notices[0].body_text) == (notices[1].subject, notices[1].body_text)
    # The taken address is told, without a link, and nobody else learns anything.
    assert [m.to_address for m in mails(app, "email_change_confirm")] == ["vilma.vapaa@example.fi"]
    (told,) = mails(app, "email_change_taken")
    assert told.to_address == taken and told.user_id == taken_id
    assert "/account/email/confirm/" not in told.body_text and old not in told.body_text
    assert user_of(app, user_id).email == old and user_of(app, taken_id).email == taken


def test_a_link_to_an_address_taken_meanwhile_changes_nothing(app, login):
    old = person(app)
    user_id = user_id_of(app, old)
    client = app.test_client()
    login(client, old)
    use_english(client)
    ask(client)
    path = link_of(mails(app, "email_change_confirm")[-1])
    person(app, email=NEW)  # someone signs up with the address before the link is opened
    response = client.post(path)
    assert redirect_path(response) == "/account/email"
    assert "This address cannot be used" in page(client.get("/account/email"))
    assert user_of(app, user_id).email == old
    assert mails(app, "email_changed") == []


# --- the links ------------------------------------------------------------------------------


@pytest.fixture
def asked(app, login):
    """A signed-in expert (English pages) who has asked to move to NEW; and the link."""
    old = person(app)
    client = app.test_client()
    login(client, old)
    use_english(client)
    ask(client)
    return client, old, user_id_of(app, old), link_of(mails(app, "email_change_confirm")[-1])


def test_a_used_link_does_not_work_again(app, asked):
    client, _old, user_id, path = asked
    client.post(path)
    assert user_of(app, user_id).email == NEW
    again = client.get(path)
    assert redirect_path(again) == "/account/email"
    assert "already been used" in page(client.get("/account/email"))
    assert redirect_path(client.post(path)) == "/account/email"
    assert len(mails(app, "email_changed")) == 1


def test_an_older_link_dies_when_another_change_is_made(app, asked):
    client, _old, user_id, first = asked
    ask(client, "vilma.toinen@example.fi")
    second = link_of(mails(app, "email_change_confirm")[-1])
    client.post(second)
    assert redirect_path(client.post(first)) == "/account/email"
    assert user_of(app, user_id).email == "vilma.toinen@example.fi"


def test_a_new_password_kills_the_link(app, asked, login):
    """The owner who gets the notice and chooses a new password stops the change."""
    client, old, user_id, path = asked
    with app.app_context():
        reset = make_reset_token(app.config["SECRET_KEY"], db.session.get(User, user_id))
    app.test_client().post(f"/password/reset/{reset}", data={
        "password": "a brand new password", "confirm": "a brand new password"})
    assert not signed_in(client)  # the reset ended every session
    login(client, old, "a brand new password")
    assert redirect_path(client.post(path)) == "/account/email"
    assert "already been used" in page(client.get("/account/email"))
    assert user_of(app, user_id).email == old


def test_an_expired_link_does_not_work(app, asked, monkeypatch):
    client, old, user_id, _path = asked
    real = time.time
    with monkeypatch.context() as clock:
        clock.setattr(time, "time", lambda: real() - EMAIL_CHANGE_MAX_AGE - 60)
        expired = link_for(app, user_id)
    with monkeypatch.context() as clock:
        clock.setattr(time, "time", lambda: real() - EMAIL_CHANGE_MAX_AGE + 60)
        almost = link_for(app, user_id, "vilma.ehtii@example.fi")
    assert redirect_path(client.get(expired)) == "/account/email"
    assert "The link has expired" in page(client.get("/account/email"))
    assert redirect_path(client.post(expired)) == "/account/email"
    assert user_of(app, user_id).email == old
    assert client.get(almost).status_code == 200  # a day less a minute: still works
    client.post(almost)
    assert user_of(app, user_id).email == "vilma.ehtii@example.fi"


@pytest.mark.parametrize("forge", ["tamper", "reset_token", "garbage"])
def test_a_forged_link_does_not_work(app, asked, forge):
    client, old, user_id, path = asked
    if forge == "tamper":  # another address in the signed data
        token = path.rsplit("/", 1)[1]
        body, _, rest = token.partition(".")
        import base64
        import json

        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        data["email"] = "hyokkaaja@example.fi"
        forged = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
        bad = f"/account/email/confirm/{forged}.{rest}"
    elif forge == "reset_token":  # a signed token of another purpose
        with app.app_context():
            bad = "/account/email/confirm/" + make_reset_token(
                app.config["SECRET_KEY"], db.session.get(User, user_id))
    else:
        bad = "/account/email/confirm/not-a-token"
    for method in ("get", "post"):
        response = getattr(client, method)(bad)
        assert redirect_path(response) == "/account/email"
    assert "The link is not valid" in page(client.get("/account/email"))
    assert user_of(app, user_id).email == old


def test_the_link_of_another_account_is_refused(app, asked, login):
    _client, old, user_id, path = asked
    other = person(app)
    other_id = user_id_of(app, other)
    stranger = app.test_client()
    login(stranger, other)
    use_english(stranger)
    for method in ("get", "post"):
        response = getattr(stranger, method)(path)
        assert response.status_code == 403
        assert "This link is for another account" in page(response)
    assert user_of(app, user_id).email == old and user_of(app, other_id).email == other
    assert mails(app, "email_changed") == []
    # Without signing in, the link leads to the sign-in page (with the current address)
    # and back to the link.
    anonymous = app.test_client()
    response = anonymous.get(path)
    assert redirect_path(response) == "/login"
    assert anonymous.post(path).status_code == 302
    assert user_of(app, user_id).email == old
    from tests.support.two_factor import sign_in_post

    back = sign_in_post(anonymous, response.headers["Location"], old,
                        {"email": old, "password": factories.DEFAULT_PASSWORD})
    assert redirect_path(back) == path
    assert redirect_path(anonymous.post(path)) == "/account"
    assert user_of(app, user_id).email == NEW


def test_the_service_checks_the_owner_too(app):
    with app.app_context(), app.test_request_context("/"):
        first, second = factories.expert().user, factories.expert().user
        token = make_email_change_token(app.config["SECRET_KEY"], first, NEW)
        with pytest.raises(PermissionDenied):
            email_change.confirm_email_change(second, app.config["SECRET_KEY"], token,
                                              now=utcnow())
        with pytest.raises(InvalidInput):
            email_change.confirm_email_change(first, app.config["SECRET_KEY"], token + "x",
                                              now=utcnow())
        assert first.email != NEW and second.email != NEW


# --- notices of money changes to the previous address ---------------------------------------


def _change_iban(app, user_id: int, iban: str) -> None:
    from app.experts import services as expert_services
    from tests.payouts.test_bank_details_change import changes

    with app.app_context(), app.test_request_context("/"):
        user = db.session.get(User, user_id)
        expert_services.update_profile(user, changes(
            user.expert_profile, iban=iban, current_password=factories.DEFAULT_PASSWORD))
        db.session.commit()


def test_an_attacker_who_moves_the_account_cannot_change_the_iban_unnoticed(app, login):
    """Someone with the password moves the account to their address, confirms it from their
    own mailbox and changes the bank account: the owner's original address is told."""
    owner_address = person(app, iban=True)
    user_id = user_id_of(app, owner_address)
    attacker = app.test_client()
    login(attacker, owner_address)
    ask(attacker, "hyokkaaja@example.fi")
    attacker.post(link_of(mails(app, "email_change_confirm")[-1]))
    assert user_of(app, user_id).email == "hyokkaaja@example.fi"
    response = attacker.post("/expert/profile", data={
        "display_name": "Vilma", "bio": "", "areas": ["mental-health"],
        "shown_areas": ["mental-health"], "languages": ["fi"], "home_municipality_code": "609",
        "assignment_types": ["lecture"], "travel_range_km": "50", "remote_ok": "yes",
        "iban": EXPERT_IBANS[1], "withholding_percent": "",
        "current_password": factories.DEFAULT_PASSWORD})
    assert response.status_code == 302, page(response)
    notices = mails(app, "payment_details_changed")
    assert sorted(m.to_address for m in notices) == sorted([owner_address,
                                                            "hyokkaaja@example.fi"])
    told = next(m for m in notices if m.to_address == owner_address)
    assert EXPERT_IBANS[1][-2:] in told.body_text and EXPERT_IBANS[1] not in told.body_text


def test_a_chain_of_changes_keeps_telling_the_original_address(app, login):
    """Moving the account twice in a row does not shake off the first address."""
    owner_address = person(app, iban=True)
    user_id = user_id_of(app, owner_address)
    attacker = app.test_client()
    login(attacker, owner_address)
    for address in ("valiasema@example.fi", "hyokkaaja@example.fi"):
        ask(attacker, address)
        attacker.post(link_of(mails(app, "email_change_confirm")[-1]))
    user = user_of(app, user_id)
    assert (user.email, user.previous_email) == ("hyokkaaja@example.fi", owner_address)
    # The second change was told to the original address as well (asked and done).
    assert owner_address in [m.to_address for m in mails(app, "email_change_requested")][1:]
    assert owner_address in [m.to_address for m in mails(app, "email_changed")][1:]
    _change_iban(app, user_id, EXPERT_IBANS[1])
    assert sorted(m.to_address for m in mails(app, "payment_details_changed")) == sorted(
        [owner_address, "hyokkaaja@example.fi"])


@pytest.mark.parametrize(("days", "told_too"), [(0, True), (29, True), (30, True),
                                                 (31, False), (90, False)])
def test_the_previous_address_is_told_for_30_days(app, monkeypatch, days, told_too):
    from app.experts import services as expert_services

    old = person(app, iban=True)
    user_id = user_id_of(app, old)
    with app.app_context(), app.test_request_context("/"):
        user = db.session.get(User, user_id)
        token = make_email_change_token(app.config["SECRET_KEY"], user, NEW)
        email_change.confirm_email_change(user, app.config["SECRET_KEY"], token, now=utcnow())
        changed_at = user.email_changed_at
        db.session.commit()
    later = changed_at + timedelta(days=days, minutes=-1 if days == 30 else 0)
    monkeypatch.setattr(expert_services, "utcnow", lambda: later)
    _change_iban(app, user_id, EXPERT_IBANS[1])
    expected = [NEW, old] if told_too else [NEW]
    assert [m.to_address for m in mails(app, "payment_details_changed")] == expected


def test_a_tax_card_change_tells_the_previous_address_too(app):
    from app.experts import services as expert_services
    from tests.payouts.test_bank_details_change import changes

    old = person(app, iban=True)
    user_id = user_id_of(app, old)
    with app.app_context(), app.test_request_context("/"):
        user = db.session.get(User, user_id)
        token = make_email_change_token(app.config["SECRET_KEY"], user, NEW)
        email_change.confirm_email_change(user, app.config["SECRET_KEY"], token, now=utcnow())
        expert_services.update_profile(user, changes(
            user.expert_profile, withholding_percent=Decimal("35"),
            current_password=factories.DEFAULT_PASSWORD))
        db.session.commit()
    assert [m.to_address for m in mails(app, "payment_details_changed")] == [NEW, old]


def test_no_previous_address_no_extra_notice(app):
    old = person(app, iban=True)
    _change_iban(app, user_id_of(app, old), EXPERT_IBANS[1])
    assert [m.to_address for m in mails(app, "payment_details_changed")] == [old]


def test_mask_email():
    assert email_change.mask_email("nimi.sukunimi@example.fi") == "n***@example.fi"
    assert email_change.mask_email("a@b.fi") == "a***@b.fi"
    assert email_change.mask_email("") == "***"


def test_the_notices_are_in_the_users_language(app, login):
    old = person(app)
    user_id = user_id_of(app, old)
    with app.app_context():
        db.session.get(User, user_id).language = "sv"
        db.session.commit()
    client = app.test_client()
    login(client, old)
    ask(client)
    (notice,) = mails(app, "email_change_requested")
    assert notice.language == "sv"
    assert notice.subject != "Your e-mail address in Kokemuspankki is being changed"
