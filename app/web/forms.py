"""Helpers shared by the page forms."""

from __future__ import annotations

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from app.common.errors import DomainError, translated
from app.common.text import has_control_characters


def attach_error(form: FlaskForm, error: DomainError) -> None:
    """Show a service error next to its field (or at the top of the form)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        if isinstance(field.errors, tuple):
            field.errors = list(field.errors)
        field.errors.append(translated(error))
    else:
        flash(translated(error), "error")


#: Shown next to a field whose text holds a control character (NUL, escape …).
CONTROL_CHARACTER_MESSAGE = _l(
    "Remove the control characters (invisible special characters) from this text.")


def _fields(form) -> list:
    """Every field of a form, those inside FormField and FieldList included."""
    found = []
    for field in form:
        inner = getattr(field, "form", None)
        if inner is not None and field.type == "FormField":
            found.extend(_fields(inner))
        elif field.type == "FieldList":
            for entry in field.entries:
                found.extend(_fields(entry.form) if entry.type == "FormField" else [entry])
        else:
            found.append(field)
    return found


def refuse_control_characters(form) -> bool:
    """Mark every field whose sent text has a control character; False if there was one.

    What the user typed stays in the field (the form is shown again with the error)."""
    clean = True
    for field in _fields(form):
        sent = [value for value in (getattr(field, "raw_data", None) or [])
                if isinstance(value, str)]
        if any(has_control_characters(value) for value in sent):
            field.errors = [*field.errors, CONTROL_CHARACTER_MESSAGE]
            clean = False
    return clean


def install_control_character_check() -> None:
    """Every page form, also those added later, refuses control characters in its fields:
    `FlaskForm.validate` (which `validate_on_submit` calls) is wrapped once, at start-up.
    NUL cannot be stored in PostgreSQL, so without this it would be a 500 there."""
    if getattr(FlaskForm.validate, "refuses_control_characters", False):
        return
    original = FlaskForm.validate

    def validate(self, extra_validators=None):
        valid = original(self, extra_validators=extra_validators)
        return refuse_control_characters(self) and valid

    validate.refuses_control_characters = True
    FlaskForm.validate = validate
