"""Read helpers for reference data used by forms and pages."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.reference.models import ExpertiseArea, Municipality, Postcode


def municipality_choices(language: str) -> list[tuple[str, str]]:
    """(code, name) pairs sorted by name in the page's language, with an empty first choice."""
    municipalities = db.session.scalars(select(Municipality)).all()
    pairs = sorted(((m.code, m.name(language)) for m in municipalities), key=lambda p: p[1])
    return [("", _("Choose a municipality"))] + pairs


def expertise_areas() -> list[ExpertiseArea]:
    """The areas offered for new orders and profiles, in the administrator's order."""
    return list(
        db.session.scalars(
            select(ExpertiseArea).where(ExpertiseArea.active.is_(True))
            .order_by(ExpertiseArea.position, ExpertiseArea.id)
        )
    )


def municipality_for_postcode(postcode: str) -> Municipality | None:
    row = db.session.get(Postcode, (postcode or "").strip())
    return db.session.get(Municipality, row.municipality_code) if row else None
