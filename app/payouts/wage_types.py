"""The payroll system's wage types of the income components: read and edited by an admin."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select

from app.accounts.models import ADMIN, User
from app.audit.services import record_audit
from app.common.errors import InvalidInput, PermissionDenied
from app.extensions import db
from app.fees.models import AssignmentType
from app.payouts.models import PAYOUT_COMPONENTS, WageType

#: Letters, digits, dots, dashes and underscores, as payroll systems number wage types.
_CODE = re.compile(r"[0-9A-Za-z._-]{1,20}")


def wage_type_rows() -> list[WageType]:
    """Every wage type: the fees by type of work first, then the other components in order."""
    rows = {row.component: row for row in db.session.scalars(select(WageType))}
    types = db.session.scalars(select(AssignmentType.code).order_by(AssignmentType.id)).all()
    order = ["fee", *[f"fee:{code}" for code in types], *PAYOUT_COMPONENTS[1:]]
    return [rows[key] for key in order if key in rows] + sorted(
        (row for key, row in rows.items() if key not in order), key=lambda row: row.component)


def update_wage_types(actor: User, codes: Mapping[str, str], now: datetime) -> list[str]:
    """Save the admin's codes (component -> code); returns the components that changed.

    Every code is checked before anything changes; each change is audited with
    the old and the new code.
    """
    if actor is None or actor.role != ADMIN:
        raise PermissionDenied("Only an administrator can change the wage types.")
    rows = {row.component: row for row in db.session.scalars(select(WageType))}
    cleaned = {}
    for component, code in codes.items():
        if component not in rows:
            raise InvalidInput("Unknown income component.", code="unknown_component",
                               field=component)
        code = (code or "").strip()
        if not _CODE.fullmatch(code):
            raise InvalidInput("Give a wage type of 1 to 20 letters, digits, dots, dashes or "
                               "underscores.", code="invalid_wage_type", field=component)
        cleaned[component] = code
    changed = []
    for component, code in cleaned.items():
        row = rows[component]
        if row.code != code:
            record_audit(actor, "wage_type_changed", "wage_type", row.id, component=component,
                         old_code=row.code, new_code=code)
            row.code, row.updated_at, row.updated_by_id = code, now, actor.id
            changed.append(component)
    db.session.flush()
    return changed
