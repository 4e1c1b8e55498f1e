"""Plain-language texts of the matching reasons and warnings, for the page and the API."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from flask_babel import format_decimal
from flask_babel import gettext as _

from app.web.templating import euros


def _km(value: object) -> str:
    return format_decimal(Decimal(str(value)), format="#,##0.0")


def describe_reason(code: str, params: Mapping[str, object]) -> str:
    """The text of a reason or warning code from `app.matching.rules` in the current language."""
    if code == "distance":
        return _("About %(km)s km from home to the place by road", km=_km(params["km"]))
    if code == "remote":
        return _("Remote work: the distance does not matter")
    if code == "recent_assignments":
        count = int(params["count"])
        if count == 0:
            return _("No paid assignments in the last 90 days")
        return _("Paid assignments in the last 90 days: %(count)s", count=count)
    if code == "earnings_limit_month":
        return _(
            "This work would take the expert over their own monthly earnings limit in "
            "%(month)s/%(year)s: %(after)s, the limit is %(limit)s.",
            month=params["month"], year=params["year"],
            after=euros(Decimal(str(params["after"]))),
            limit=euros(Decimal(str(params["limit"]))),
        )
    if code == "earnings_limit_year":
        return _(
            "This work would take the expert over their own yearly earnings limit in "
            "%(year)s: %(after)s, the limit is %(limit)s.",
            year=params["year"], after=euros(Decimal(str(params["after"]))),
            limit=euros(Decimal(str(params["limit"]))),
        )
    return _("Other reason")


def describe_all(reasons) -> list[str]:
    """`describe_reason` of each (code, params) pair."""
    return [describe_reason(code, params) for code, params in reasons]
