"""The pages' one pattern for calling a service.

`attempt` calls a service; on success it commits and flashes the success
message; on a domain error it rolls back, turns "not found" and "forbidden" into
the error pages and shows any other error next to the form's field (or at the
top), so the form is shown again with what the user typed. `post_action` is the
same for a plain POST button that always goes back to one page; `guard` is for
reading: a missing or forbidden object becomes 404 / 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect
from flask_wtf import FlaskForm

from app.common.errors import DomainError, NotFound, PermissionDenied, translated
from app.extensions import db
from app.web.forms import attach_error


@dataclass(frozen=True)
class Outcome:
    ok: bool
    value: Any = None
    error: DomainError | None = None


def fail(error: DomainError) -> None:
    """Roll back; a missing object is 404, a forbidden one 403 (both stop the request)."""
    db.session.rollback()
    error.after_rollback()
    db.session.commit()
    if isinstance(error, NotFound):
        abort(404)
    if isinstance(error, PermissionDenied):
        abort(403)


def attempt(call: Callable[[], Any], *, form: FlaskForm | None = None,
            success: str | None = None) -> Outcome:
    """Run a state-changing service; commit and flash ``success``, or show the error."""
    try:
        value = call()
    except DomainError as error:
        fail(error)
        if form is not None:
            attach_error(form, error)
        else:
            flash(translated(error), "error")
        return Outcome(False, error=error)
    db.session.commit()
    if success:
        flash(success, "success")
    return Outcome(True, value)


def post_action(call: Callable[[], Any], success: str, target: str):
    """Run a state-changing service for a plain POST button, then go back to ``target``."""
    attempt(call, success=success)
    return redirect(target)


def guard(call: Callable[..., Any], *args, **kwargs) -> Any:
    """Read through a service: a missing object is 404, a forbidden one 403."""
    try:
        return call(*args, **kwargs)
    except NotFound:
        abort(404)
    except PermissionDenied:
        abort(403)
