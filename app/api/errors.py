"""Turning domain errors into the API's error format."""

from __future__ import annotations

from flask import jsonify

from app.api.core import bp
from app.common.errors import DomainError, translated
from app.extensions import db
from app.web.errors import api_error_body


@bp.errorhandler(DomainError)
def domain_error(error: DomainError):
    db.session.rollback()
    error.after_rollback()
    db.session.commit()
    body = api_error_body(error.status, translated(error), error.code, error.field)
    return jsonify(body), error.status
