"""Exact money helpers: the one rounding rule, strict number parsing, euro formatting."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from app.fees.errors import InvalidAmount

CENT = Decimal("0.01")

#: A plain decimal number in ASCII digits, optionally signed; no exponent, no separators.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
#: Longer strings are not amounts anybody types; refuse them before parsing.
_MAX_TEXT = 64


def round_cents(value: Decimal) -> Decimal:
    """``value`` rounded to whole cents, halves away from zero (0.005 -> 0.01)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_decimal(value: object, field: str) -> Decimal:
    """A finite `Decimal` from a str, int, Decimal or float; else `InvalidAmount`.

    Floats go through their shortest repr, so 0.1 becomes exactly Decimal("0.1").
    Booleans, NaN, infinities, empty and non-numeric strings are refused.
    """
    if isinstance(value, bool):
        raise InvalidAmount(field, "The value must be a number, not true or false.")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise InvalidAmount(field, "The value must not be empty.")
        if len(text) > _MAX_TEXT or not _NUMBER.fullmatch(text):
            raise InvalidAmount(field, "The value must be a number, e.g. 12.50.")
        try:
            number = Decimal(text)
        except InvalidOperation as exc:  # pragma: no cover - the pattern already guards this
            raise InvalidAmount(field, "The value must be a number, e.g. 12.50.") from exc
    else:
        raise InvalidAmount(field, "The value must be a number.")
    if not number.is_finite():
        raise InvalidAmount(field, "The value must be a finite number.")
    if number.is_zero():
        number = abs(number)  # no "-0"
    return number


def format_eur(value: Decimal) -> str:
    """Euros as the API shows them: two decimals, a dot, no sign on zero ("30.00")."""
    cents = round_cents(value)
    if cents.is_zero():
        cents = abs(cents)
    return f"{cents:f}"
