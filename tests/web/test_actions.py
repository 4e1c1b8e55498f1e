"""The pages' one pattern for calling a service (app/web/actions.py): commit and flash on
success; on a domain error roll back, 404/403 for missing or forbidden objects, and the
message next to the form's field so the form is shown again with what the user typed."""

from __future__ import annotations

import pytest
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.exceptions import Forbidden, NotFound
from wtforms import StringField

from app.accounts.models import User
from app.common.errors import Conflict, InvalidInput, PermissionDenied
from app.common.errors import NotFound as Missing
from app.extensions import db
from app.web.actions import attempt, guard, post_action
from tests import factories


class NameForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField("Name")


def _rename(user_id: int, name: str, error: Exception | None = None):
    """A service: changes a user's name (flushes), then fails with ``error`` if given."""
    user = db.session.get(User, user_id)
    user.full_name = name
    db.session.flush()
    if error is not None:
        raise error
    return user


def _name_of(user_id: int) -> str:
    db.session.expire_all()
    return db.session.scalar(select(User.full_name).where(User.id == user_id))


@pytest.fixture
def user_id(app):
    with app.app_context():
        user = factories.user(full_name="Before")
        db.session.commit()
        yield user.id


def test_success_commits_flashes_and_returns_the_value(app, user_id):
    with app.test_request_context("/", method="POST"):
        done = attempt(lambda: _rename(user_id, "After"), success="Saved.")
        assert done.ok and done.value.id == user_id and done.error is None
        assert get_flashed_messages(with_categories=True) == [("success", "Saved.")]
        db.session.rollback()  # nothing is left to roll back: the change was committed
        assert _name_of(user_id) == "After"


def test_an_error_with_a_field_goes_next_to_the_field_and_keeps_the_input(app, user_id):
    with app.test_request_context("/", method="POST", data={"name": "typed by the user"}):
        form = NameForm()
        done = attempt(lambda: _rename(user_id, "After", InvalidInput("Too long.", field="name")),
                       form=form, success="Saved.")
        assert not done.ok and isinstance(done.error, InvalidInput)
        assert form.name.errors == ["Too long."]
        assert form.name.data == "typed by the user"
        assert get_flashed_messages() == []
        assert _name_of(user_id) == "Before"


def test_an_error_without_a_field_is_flashed(app, user_id):
    with app.test_request_context("/", method="POST"):
        done = attempt(lambda: _rename(user_id, "After", Conflict("Already done.")),
                       form=NameForm(), success="Saved.")
        assert not done.ok
        assert get_flashed_messages(with_categories=True) == [("error", "Already done.")]
        assert _name_of(user_id) == "Before"


@pytest.mark.parametrize(("error", "page"), [(Missing("Gone."), NotFound),
                                              (PermissionDenied("Not yours."), Forbidden)])
def test_missing_or_forbidden_objects_are_error_pages(app, user_id, error, page):
    with app.test_request_context("/", method="POST"):
        with pytest.raises(page):
            attempt(lambda: _rename(user_id, "After", error), form=NameForm())
        assert _name_of(user_id) == "Before"
        with pytest.raises(page):
            guard(_rename, user_id, "After", error)


def test_post_action_redirects_back_either_way(app, user_id):
    with app.test_request_context("/", method="POST"):
        response = post_action(lambda: _rename(user_id, "After", Conflict("No.")), "Saved.",
                               "/back")
        assert (response.status_code, response.location) == (302, "/back")
        assert get_flashed_messages(with_categories=True) == [("error", "No.")]
    with app.test_request_context("/", method="POST"):
        response = post_action(lambda: _rename(user_id, "After"), "Saved.", "/back")
        assert (response.status_code, response.location) == (302, "/back")
        assert get_flashed_messages(with_categories=True) == [("success", "Saved.")]
        assert _name_of(user_id) == "After"
