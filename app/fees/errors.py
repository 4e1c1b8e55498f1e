"""Errors of the fee engine: each has an API ``code``, the ``field`` at fault and a message."""

from __future__ import annotations


class FeeError(Exception):
    """Base of every fee and travel error.

    ``code`` is the snake_case code of the API error, ``field`` the name of the
    input at fault (or None) and ``message`` a plain-language English message.
    """

    code = "fee_error"
    default_field: str | None = None
    default_message = "The fee could not be computed."

    def __init__(self, field: str | None = None, message: str | None = None) -> None:
        self.field = field if field is not None else self.default_field
        self.message = message or self.default_message
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, field={self.field!r})"


class UnknownAssignmentType(FeeError):
    """The fee schedule has no rule for this assignment type."""

    code = "unknown_assignment_type"
    default_field = "assignment_type"
    default_message = "This assignment type is not in the fee schedule."

    def __init__(self, assignment_type: str) -> None:
        super().__init__(message=f"Assignment type {assignment_type!r} is not in the fee schedule.")
        self.assignment_type = assignment_type


class InvalidDuration(FeeError):
    """The duration is not a whole number of minutes between 1 and 24 hours."""

    code = "invalid_duration"
    default_field = "duration_minutes"
    default_message = "The duration must be a whole number of minutes, from 1 to 1440."


class NoTravelRate(FeeError):
    """No travel rates exist for the year of the travel date."""

    code = "no_travel_rate"
    default_field = "date"
    default_message = "There are no travel rates for this date."

    def __init__(self, year: int | None = None) -> None:
        message = None if year is None else f"There are no travel rates for the year {year}."
        super().__init__(message=message)
        self.year = year


class InvalidAmount(FeeError):
    """A number is missing, not a number, or not a whole number where one is needed."""

    code = "invalid_amount"
    default_message = "The value must be a number."


class AmountOutOfRange(FeeError):
    """A number is negative or larger than the quote accepts."""

    code = "amount_out_of_range"
    default_message = "The value is outside the accepted range."


class InvalidTravel(FeeError):
    """The travel claim is not an object, or has a field the quote does not know."""

    code = "invalid_travel"
    default_field = "travel"
    default_message = "The travel details must be an object with known fields."


class InvalidWithholding(FeeError):
    """The withholding percentage is not a number from 0 to 100."""

    code = "invalid_withholding"
    default_field = "withholding_percent"
    default_message = "The withholding percentage must be a number from 0 to 100."
