"""Jinja filters and globals: Helsinki times, euros, names in the page's language."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale

from app.common.timeutil import to_helsinki
from app.web import fastpaths, labels


def current_language() -> str:
    return str(get_locale() or "fi")


#: Date and time patterns of each language (CLDR's Swedish default is ISO, "2026-12-11 17:00",
#: which Swedish speakers in Finland do not use): 1.12.2026 klo 17.00, 1.12.2026 kl. 17.00,
#: 1 Dec 2026, 17:00.
DATETIME_PATTERNS = {"fi": "d.M.yyyy 'klo' H.mm", "sv": "d.M.yyyy 'kl.' H.mm",
                     "en": "d MMM yyyy, HH:mm"}
DATE_PATTERNS = {"fi": "d.M.yyyy", "sv": "d.M.yyyy", "en": "d MMM yyyy"}


def helsinki_datetime(moment: datetime | None, style: str | None = None) -> str:
    """A stored UTC time shown in Helsinki time in the page's language.

    ``style`` is accepted for old callers and ignored: every page uses one pattern per
    language so that dates never mix formats.
    """
    if moment is None:
        return ""
    return format_datetime(to_helsinki(moment), DATETIME_PATTERNS.get(current_language(),
                                                                       DATETIME_PATTERNS["en"]))


def euros(amount: Decimal | None) -> str:
    """An exact amount as e.g. "1 234,50 €" (fi/sv) or "€1,234.50" (en)."""
    if amount is None:
        return ""
    text = format_decimal(Decimal(amount).quantize(Decimal("0.01")), format="#,##0.00")
    return f"€{text}" if current_language() == "en" else f"{text} €"


def per_km_rate(amount: Decimal | None) -> str:
    """A per-kilometre rate with all its decimals (0.535 stays 0.535), e.g. "0,55 €"."""
    if amount is None:
        return ""
    places = max(2, -Decimal(amount).normalize().as_tuple().exponent)
    text = format_decimal(Decimal(amount), format="0." + "0" * places)
    return f"€{text}" if current_language() == "en" else f"{text} €"


def localized_date(day: date | None) -> str:
    """A calendar date: 1.12.2026 (fi, sv) or 1 Dec 2026 (en)."""
    if day is None:
        return ""
    return format_date(day, DATE_PATTERNS.get(current_language(), DATE_PATTERNS["en"]))


def decimal_number(value: Decimal | int | float | None, places: int | None = None) -> str:
    """A number in the page's language: 1 234,5 (fi, sv) or 1,234.5 (en).

    Without ``places`` every significant decimal is shown (12.50 → 12,5); with it exactly
    that many (0.0 km stays "0,0").
    """
    if value is None:
        return ""
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if places is None:
        places = max(0, -number.normalize().as_tuple().exponent)
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(number, format=pattern)


def kilometres(value: Decimal | int | float | None, places: int | None = None) -> str:
    """A distance, e.g. "562,7 km" (fi, sv) or "562.7 km" (en)."""
    return "" if value is None else f"{decimal_number(value, places)}\u00a0km"


_MACHINE_DECIMAL = re.compile(r"-?\d+\.\d+")
_MACHINE_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def machine_value(value: object) -> str:
    """A value stored as machine text (an audit entry's details) in the page's format:
    "24.50" → 24,50 and "2026-12-15" → 15.12.2026 in Finnish; anything else as it is."""
    if isinstance(value, (Decimal, float)) or (
            isinstance(value, str) and _MACHINE_DECIMAL.fullmatch(value)):
        return decimal_number(Decimal(str(value)))
    if isinstance(value, str) and _MACHINE_DATE.fullmatch(value):
        try:
            return localized_date(date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, str) and _MACHINE_DATE.match(value) and "T" in value:
        try:
            return helsinki_datetime(datetime.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def line_formats() -> dict:
    """Formatters for `app.fees.rules.describe_line` in the page's language (pass as
    keyword arguments): quantities, euros and per-km rates."""
    return {"quantity": decimal_number, "money": euros,
            "rate": lambda amount: per_km_rate(amount) + "/km"}


def localized_name(obj) -> str:
    """``obj.name(language)`` for reference objects with names in several languages."""
    return obj.name(current_language()) if obj is not None else ""


def absolute_url(endpoint: str, **values) -> str:
    """The page's full address on ``BASE_URL`` (for mails and feeds), with or without a request."""
    base = urlsplit(current_app.config["BASE_URL"].rstrip("/"))
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/",
                                       url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["helsinki"] = helsinki_datetime
    app.jinja_env.filters["eur"] = euros
    app.jinja_env.filters["rate"] = per_km_rate
    app.jinja_env.filters["day"] = localized_date
    # "percent" and "whole_number" come from app.payouts.views, "km" (a bare figure) from
    # app.matching.views, "decimal" (two places) from app.participation.texts.
    app.jinja_env.filters["number"] = decimal_number
    app.jinja_env.filters["distance"] = kilometres
    app.jinja_env.filters["machine_value"] = machine_value
    app.jinja_env.filters["localized"] = localized_name
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["link"] = absolute_url
    from app.bookings.offers import offer_for

    app.jinja_env.globals["offer_for"] = offer_for
    app.jinja_env.add_extension("jinja2.ext.do")
    labels.init_app(app)
    fastpaths.init_app(app)

    @app.context_processor
    def layout_context():
        return {"request_path": request.full_path.rstrip("?") if request else "/"}
