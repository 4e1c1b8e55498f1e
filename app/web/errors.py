"""Error pages in the visitor's language, and JSON errors under /api/."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

from app.common.errors import DomainError, translated

#: Plain-language titles and explanations for the error pages.
ERROR_TEXTS = {
    400: (
        _l("The request could not be handled"),
        _l("Something in the sent information was not understood. Go back and try again."),
    ),
    401: (_l("Please sign in"), _l("You need to sign in to see this page.")),
    403: (
        _l("You do not have access to this page"),
        _l(
            "This page belongs to another user or role. If you think you should see it, "
            "contact the bank's coordinator."
        ),
    ),
    404: (_l("Page not found"), _l("The page you looked for does not exist or has been removed.")),
    405: (_l("This action is not possible here"), _l("Go back and use the page's own buttons.")),
    409: (
        _l("The situation has changed"),
        _l("Someone else changed this at the same time. Reload the page and check."),
    ),
    413: (_l("The file is too large"), _l("Choose a smaller file (at most 5 MB).")),
    429: (
        _l("Too many attempts"),
        _l("Please wait a few minutes before you try again. This protects your account."),
    ),
    500: (
        _l("Something went wrong on our side"),
        _l(
            "What you just sent may not have been saved. Please check it and try again. "
            "If this happens again, contact the bank's coordinator."
        ),
    ),
}

#: A value that the database refused (see `value_refused_by_the_database`).
VALUE_REFUSED = (
    _l("Some information was not valid"),
    _l("A value was too large or had characters that cannot be saved. Go back, check "
       "what you typed and try again."),
)

API_ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_value",
    429: "too_many_requests",
    500: "internal_error",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def api_error_body(status: int, message: str, code: str | None = None, field: str | None = None):
    return {
        "error": {
            "code": code or API_ERROR_CODES.get(status, "error"),
            "message": message,
            "field": field,
        }
    }


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        if wants_json():
            return jsonify(api_error_body(400, "CSRF token missing or invalid")), 400
        return render_template(
            "errors/error.html",
            status=400,
            title=_l("The form had expired"),
            explanation=_l(
                "For your security the form is valid for a limited time. "
                "Go back, reload the page and send the form again."
            ),
        ), 400

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        """A domain error that no view turned into a message (e.g. an illegal state move
        reached through a plain link): the page says what happened in plain words, the
        API answers its code. The one place for errors that escape `web/actions.py`."""
        from app.extensions import db

        db.session.rollback()
        if wants_json():
            body = api_error_body(error.status, translated(error), error.code, error.field)
            return jsonify(body), error.status
        title, _explanation = ERROR_TEXTS.get(error.status, ERROR_TEXTS[400])
        return render_template(
            "errors/error.html", status=error.status, title=title, explanation=translated(error)
        ), error.status

    @app.errorhandler(DataError)
    def value_refused_by_the_database(error: DataError):
        """The last line of defence: a value the database cannot hold (a number beyond its
        column, a NUL byte on PostgreSQL) that no check before caught is the user's bad
        input (422), not a server error. The checks in forms and the API come first."""
        from app.extensions import db

        db.session.rollback()
        app.logger.warning("the database refused a value: %s", error.orig)
        title, explanation = VALUE_REFUSED
        if wants_json():
            return jsonify(api_error_body(422, str(explanation))), 422
        return render_template(
            "errors/error.html", status=422, title=title, explanation=explanation
        ), 422

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        if wants_json():
            message = error.description or error.name
            return jsonify(api_error_body(status, str(message))), status
        title, explanation = ERROR_TEXTS.get(status, ERROR_TEXTS[400 if status < 500 else 500])
        response = render_template(
            "errors/error.html", status=status, title=title, explanation=explanation
        )
        return response, status

    if app.testing:
        return  # let tests see the traceback of anything unexpected

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("Unhandled error", exc_info=error)
        from app.extensions import db

        db.session.rollback()
        if wants_json():
            return jsonify(api_error_body(500, "Internal error")), 500
        title, explanation = ERROR_TEXTS[500]
        return render_template(
            "errors/error.html", status=500, title=title, explanation=explanation
        ), 500
