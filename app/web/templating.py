"""Jinja filters and globals: Helsinki times, euros, names in the page's language."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale

from app.common.timeutil import to_helsinki
from app.web import fastpaths, labels


def current_language() -> str:
    return str(get_locale() or "fi")


def helsinki_datetime(moment: datetime | None, style: str = "short") -> str:
    """A stored UTC time shown in Helsinki time in the page's language."""
    if moment is None:
        return ""
    return format_datetime(
        to_helsinki(moment), "d.M.yyyy 'klo' H.mm" if current_language() == "fi" else style
    )


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
    if day is None:
        return ""
    return format_date(day, "d.M.yyyy" if current_language() in ("fi", "sv") else "medium")


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
