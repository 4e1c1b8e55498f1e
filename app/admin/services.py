"""Administrator settings with typed defaults (late-cancellation window, invitation time…)."""

from __future__ import annotations

from app.admin.models import Setting
from app.audit.services import record_audit
from app.common.errors import InvalidInput
from app.extensions import db

#: Known settings: key → (default, minimum, maximum), all whole numbers.
SETTINGS = {
    "late_cancellation_hours": (48, 0, 24 * 30),
    "invitation_hours": (48, 1, 24 * 14),
    "payment_term_days": (14, 1, 90),
}

#: Settings with one of a few named values: key → (default, allowed values).
CHOICE_SETTINGS = {
    # One invoice per order, or one per organisation per calendar month.
    "invoice_grouping": ("per_order", ("per_order", "monthly")),
}


def get_setting(key: str) -> int:
    default = SETTINGS[key][0]
    row = db.session.get(Setting, key)
    try:
        return int(row.value) if row is not None else default
    except ValueError:
        return default


def set_setting(actor, key: str, value: int) -> None:
    if key not in SETTINGS:
        raise InvalidInput("Unknown setting.", field="key")
    _default, low, high = SETTINGS[key]
    if not low <= value <= high:
        raise InvalidInput("The value is outside the allowed range.", code="out_of_range",
                           field=key)
    row = db.session.get(Setting, key) or Setting(key=key, value="")
    old = row.value
    row.value = str(value)
    db.session.add(row)
    record_audit(actor, "setting_changed", "setting", key, old=old, new=value)


def get_choice_setting(key: str) -> str:
    default, allowed = CHOICE_SETTINGS[key]
    row = db.session.get(Setting, key)
    return row.value if row is not None and row.value in allowed else default


def set_choice_setting(actor, key: str, value: str) -> None:
    if key not in CHOICE_SETTINGS:
        raise InvalidInput("Unknown setting.", field="key")
    if value not in CHOICE_SETTINGS[key][1]:
        raise InvalidInput("Choose one of the options.", code="invalid_choice", field=key)
    row = db.session.get(Setting, key) or Setting(key=key, value="")
    old = row.value
    row.value = value
    db.session.add(row)
    record_audit(actor, "setting_changed", "setting", key, old=old, new=value)
