"""Helpers shared by the page forms."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm

from app.common.errors import DomainError, translated


def attach_error(form: FlaskForm, error: DomainError) -> None:
    """Show a service error next to its field (or at the top of the form)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        if isinstance(field.errors, tuple):
            field.errors = list(field.errors)
        field.errors.append(translated(error))
    else:
        flash(translated(error), "error")
