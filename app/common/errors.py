"""Domain errors that services raise; pages turn them into messages, the API into 4xx."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every expected failure; ``code`` is the API's snake_case error code.

    ``message`` is an English msgid: the catalogue extraction treats the error
    classes as gettext keywords, and `translated` gives it in the current language,
    with its ``%(name)s`` placeholders filled from ``values``.
    """

    status = 422
    code = "invalid_value"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None,
                 values: dict | None = None):
        super().__init__(message % values if values else message)
        self.message = message
        if code:
            self.code = code
        self.field = field
        self.values = values or {}

    def after_rollback(self) -> None:
        """Write what must outlast the rolled-back request (e.g. a counted wrong code);
        whoever rolls back for this error calls it and commits."""


class InvalidInput(DomainError):
    status = 422
    code = "invalid_value"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


def translated(error: DomainError) -> str:
    """The error's message in the language of the current request."""
    from flask_babel import gettext

    return gettext(error.message, **(getattr(error, "values", None) or {}))


def check_places(value, places: int, field: str):
    """``value`` unchanged when it has at most ``places`` decimals (what its column
    holds), else `InvalidInput` naming ``field``; None passes."""
    from decimal import Decimal

    if value is None:
        return value
    number = Decimal(value)
    if number.is_finite() and number != number.quantize(Decimal(1).scaleb(-places)):
        raise InvalidInput("This value can have at most %(places)s decimals.",
                           code="too_many_decimals", field=field, values={"places": places})
    return value
