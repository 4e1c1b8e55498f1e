"""The administrator's expertise areas: add, rename in fi/sv/en, retire, restore and order.

Areas are never deleted: orders, profiles and groups keep pointing at them, so
history keeps its names. A retired area is no longer offered for new orders or
profiles (`app.reference.queries.expertise_areas` lists only active ones).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, select

from app.audit.services import record_audit
from app.common.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.reference.models import ExpertiseArea

NAME_LENGTH = 200


@dataclass(frozen=True)
class AreaNames:
    fi: str
    sv: str
    en: str


def all_areas() -> list[ExpertiseArea]:
    """Every area, active and retired, in the administrator's order."""
    return list(db.session.scalars(
        select(ExpertiseArea).order_by(ExpertiseArea.position, ExpertiseArea.id)))


def _area(area_id: int) -> ExpertiseArea:
    area = db.session.get(ExpertiseArea, area_id)
    if area is None:
        raise NotFound("No such expertise area.")
    return area


def _clean(names: AreaNames, area_id: int | None) -> AreaNames:
    cleaned = {}
    for language in ("fi", "sv", "en"):
        value = " ".join((getattr(names, language) or "").split())
        if not value:
            raise InvalidInput("Give the name in every language.", code="missing_name",
                               field=f"name_{language}")
        if len(value) > NAME_LENGTH:
            raise InvalidInput("The name is too long (at most 200 characters).",
                               code="name_too_long", field=f"name_{language}")
        cleaned[language] = value
    same = db.session.scalar(select(ExpertiseArea.id).where(
        func.lower(ExpertiseArea.name_fi) == cleaned["fi"].lower(),
        ExpertiseArea.id != (area_id or 0)))
    if same is not None:
        raise Conflict("An expertise area with this Finnish name already exists.",
                       code="duplicate_name", field="name_fi")
    return AreaNames(**cleaned)


def _slug_for(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    base = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:50] or "area"
    slug, number = base, 2
    while db.session.scalar(select(ExpertiseArea.id).where(ExpertiseArea.slug == slug)):
        slug, number = f"{base}-{number}", number + 1
    return slug


def add_area(actor, names: AreaNames) -> ExpertiseArea:
    """A new active area at the end of the list; its slug comes from the English name."""
    names = _clean(names, None)
    last = db.session.scalar(select(func.max(ExpertiseArea.position))) or 0
    area = ExpertiseArea(slug=_slug_for(names.en), name_fi=names.fi, name_sv=names.sv,
                         name_en=names.en, active=True, position=last + 1)
    db.session.add(area)
    db.session.flush()
    record_audit(actor, "expertise_area_added", "expertise_area", area.id, slug=area.slug,
                 name_fi=names.fi)
    return area


def rename_area(actor, area_id: int, names: AreaNames) -> ExpertiseArea:
    """New names in fi/sv/en; the slug (used in links and the API) stays."""
    area = _area(area_id)
    names = _clean(names, area.id)
    old = {"fi": area.name_fi, "sv": area.name_sv, "en": area.name_en}
    area.name_fi, area.name_sv, area.name_en = names.fi, names.sv, names.en
    changed = {f"old_{key}": value for key, value in old.items()
               if value != getattr(names, key)}
    if changed:
        record_audit(actor, "expertise_area_renamed", "expertise_area", area.id, **changed,
                     **{f"new_{key[4:]}": getattr(names, key[4:]) for key in changed})
    db.session.flush()
    return area


def set_area_active(actor, area_id: int, active: bool) -> ExpertiseArea:
    """Retire an area (no longer offered) or restore it."""
    area = _area(area_id)
    if area.active == active:
        raise Conflict("The area is already in this state.", code="unchanged")
    area.active = active
    record_audit(actor, "expertise_area_restored" if active else "expertise_area_retired",
                 "expertise_area", area.id)
    db.session.flush()
    return area


def move_area(actor, area_id: int, direction: str) -> None:
    """Swap the area with its neighbour above ("up") or below ("down")."""
    if direction not in ("up", "down"):
        raise InvalidInput("Choose up or down.", field="direction")
    areas = all_areas()
    index = next((i for i, a in enumerate(areas) if a.id == area_id), None)
    if index is None:
        raise NotFound("No such expertise area.")
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(areas):
        raise Conflict("The area is already at the end of the list.", code="at_end")
    # Renumber first so that equal positions (e.g. after a reference load) cannot stall.
    for position, area in enumerate(areas, start=1):
        area.position = position
    areas[index].position, areas[other].position = areas[other].position, areas[index].position
    record_audit(actor, "expertise_area_moved", "expertise_area", area_id, direction=direction)
    db.session.flush()
