"""The previous e-mail address is personal data: it is in the export, and the closure erases
it (with its mails and counted sign-ins) from every table at once."""

from __future__ import annotations

import io
import json
import zipfile

from flask import current_app

from app.accounts import email_change
from app.accounts.models import LoginAttempt, User
from app.accounts.tokens import make_email_change_token
from app.common.errors import InvalidInput
from app.common.timeutil import utcnow
from app.extensions import db
from app.privacy import services
from tests.factories import DEFAULT_PASSWORD
from tests.privacy.helpers import pay_items, scan

NEW = "ilona.uusi@example.fi"


def _move(person, new_email: str = NEW) -> User:
    """The person asks for a new address (once with a wrong password) and confirms it; then
    someone tries to sign in with the old address."""
    user = db.session.get(User, person.user_id)
    config = current_app.config
    try:
        email_change.request_email_change(
            user, new_email, "wrong-password", now=utcnow(), max_failures=5,
            window_minutes=15)
    except InvalidInput as error:
        db.session.rollback()
        error.after_rollback()
    email_change.request_email_change(user, new_email, DEFAULT_PASSWORD, now=utcnow(),
                                      max_failures=5, window_minutes=15)
    token = make_email_change_token(config["SECRET_KEY"], user, new_email)
    email_change.confirm_email_change(user, config["SECRET_KEY"], token, now=utcnow())
    db.session.add(LoginAttempt(email=person.email, succeeded=False))
    db.session.commit()
    assert (user.email, user.previous_email) == (new_email, person.email)
    return user


def test_the_export_has_the_previous_address(pair):
    person, _other = pair
    user = _move(person)
    archive = zipfile.ZipFile(io.BytesIO(services.export_data(user, user.id)))
    account = json.loads(archive.read("data.json"))["account"]
    assert (account["email"], account["previous_email"]) == (NEW, person.email)
    assert account["email_changed_at"] == user.email_changed_at.isoformat()
    assert person.email in archive.read("summary.html").decode()


def test_closing_erases_the_previous_address_everywhere_at_once(pair, finance, paid_on):
    closing, other = pair
    _move(closing)
    assert scan([closing.email])  # mails, counted sign-ins and the account hold it
    services.close_own_account(db.session.get(User, closing.user_id), DEFAULT_PASSWORD)
    db.session.commit()

    assert scan([closing.email]) == []  # the previous address pays nothing: gone already
    # The current one stays on the account only until the last payout is paid.
    assert set(scan([NEW])) == {("users", "email", NEW)}
    user = db.session.get(User, closing.user_id)
    assert (user.previous_email, user.email_changed_at) == (None, None)

    pay_items([closing.unpaid_item_id], finance, paid_on)
    db.session.commit()
    assert scan([NEW, *closing.secrets]) == []
    assert {w for _, _, w in scan(other.secrets)} == set(other.secrets)


def test_erasure_catches_a_previous_address_left_on_a_closed_account(pair):
    """Should a closed account still hold one (closed before this rule), the erasure of its
    e-mail erases it too."""
    closing, _other = pair
    user = _move(closing)
    services.close_own_account(user, DEFAULT_PASSWORD)
    db.session.commit()
    user.previous_email, user.email_changed_at = closing.email, utcnow()
    db.session.add(LoginAttempt(email=closing.email, succeeded=False))
    db.session.commit()
    services.erase_payment_data(user, utcnow())
    db.session.commit()
    assert scan([closing.email, NEW]) == []
