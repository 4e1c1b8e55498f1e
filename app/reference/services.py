"""Loading the reference data shipped in ``app/data`` (idempotent upserts)."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from app.extensions import db
from app.fees.models import AssignmentType, FeeRuleRow, FeeSchedule, TravelRate
from app.payouts.models import WageType
from app.reference.models import ExpertiseArea, Municipality, Postcode

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

#: The Satakunta recommendation: (code, fi, sv, en, amount, unit minutes).
SATAKUNTA_SCHEDULE_NAME = "Satakunta 2020"
SATAKUNTA_EFFECTIVE_FROM = date(2020, 1, 1)
SEEDED_ASSIGNMENT_TYPES = (
    (
        "lecture",
        "Luento tai puheenvuoro",
        "Föreläsning eller anförande",
        "Lecture or talk",
        Decimal("30.00"),
        45,
    ),
    (
        "meeting",
        "Kokous tai työryhmä",
        "Möte eller arbetsgrupp",
        "Meeting or working group",
        Decimal("20.00"),
        180,
    ),
    ("group_guidance", "Ryhmänohjaus", "Gruppledning", "Group guidance", Decimal("15.00"), 60),
)


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load_reference_data() -> dict[str, int]:
    """Insert or update every reference table; returns how many rows each file had."""
    counts = {
        "expertise_areas": _load_expertise_areas(),
        "municipalities": _load_municipalities(),
        "postcodes": _load_postcodes(),
        "travel_rates": _load_travel_rates(),
        "assignment_types": _load_fee_schedule(),
        "wage_types": _load_wage_types(),
    }
    db.session.flush()
    return counts


def _load_expertise_areas() -> int:
    existing = set(db.session.scalars(select(ExpertiseArea.slug)))
    last = db.session.scalar(select(func.max(ExpertiseArea.position))) or 0
    rows = _rows("expertise-areas.csv")
    for row in rows:
        if row["slug"] in existing:
            continue  # an administrator may have renamed it; never overwrite
        db.session.add(
            ExpertiseArea(
                slug=row["slug"],
                name_fi=row["name_fi"],
                name_sv=row["name_sv"],
                name_en=row["name_en"],
                position=last + 1,
            )
        )
        last += 1
    return len(rows)


def _load_municipalities() -> int:
    existing = {m.code: m for m in db.session.scalars(select(Municipality))}
    rows = _rows("municipalities.csv")
    for row in rows:
        municipality = existing.get(row["code"]) or Municipality(code=row["code"])
        municipality.name_fi = row["name_fi"]
        municipality.name_sv = row["name_sv"]
        municipality.region_fi = row["region_fi"]
        municipality.region_sv = row["region_sv"]
        municipality.latitude = float(row["lat"])
        municipality.longitude = float(row["lon"])
        db.session.add(municipality)
    db.session.flush()
    return len(rows)


def _load_postcodes() -> int:
    existing = set(db.session.scalars(select(Postcode.postcode)))
    rows = _rows("postcodes.csv")
    new = [
        {
            "postcode": row["postcode"],
            "name_fi": row["name_fi"],
            "name_sv": row["name_sv"],
            "municipality_code": row["municipality_code"],
        }
        for row in rows
        if row["postcode"] not in existing
    ]
    if new:
        db.session.execute(Postcode.__table__.insert(), new)
    return len(rows)


def _load_travel_rates() -> int:
    existing = {rate.year: rate for rate in db.session.scalars(select(TravelRate))}
    rows = _rows("travel-rates.csv")
    for row in rows:
        year = int(row["year"])
        if year in existing:
            continue  # an administrator may have corrected it; never overwrite
        db.session.add(
            TravelRate(
                year=year,
                car_per_km=Decimal(row["car_eur_per_km"]),
                passenger_per_km=Decimal(row["passenger_eur_per_km"]),
                per_diem_partial=Decimal(row["per_diem_partial_eur"]),
                per_diem_full=Decimal(row["per_diem_full_eur"]),
                source=row["source"],
            )
        )
    return len(rows)


def _load_fee_schedule() -> int:
    types = {t.code: t for t in db.session.scalars(select(AssignmentType))}
    for code, fi, sv, en, _amount, _minutes in SEEDED_ASSIGNMENT_TYPES:
        if code not in types:
            types[code] = AssignmentType(code=code, name_fi=fi, name_sv=sv, name_en=en)
            db.session.add(types[code])
    db.session.flush()
    schedule = db.session.scalar(
        select(FeeSchedule).where(FeeSchedule.effective_from == SATAKUNTA_EFFECTIVE_FROM)
    )
    if schedule is None:
        schedule = FeeSchedule(
            name=SATAKUNTA_SCHEDULE_NAME, effective_from=SATAKUNTA_EFFECTIVE_FROM
        )
        for code, _fi, _sv, _en, amount, minutes in SEEDED_ASSIGNMENT_TYPES:
            schedule.rules.append(
                FeeRuleRow(assignment_type=types[code], amount=amount, unit_minutes=minutes)
            )
        db.session.add(schedule)
    return len(SEEDED_ASSIGNMENT_TYPES)


def _load_wage_types() -> int:
    """Seed the payroll wage types; a component that has a row keeps its (edited) code."""
    existing = set(db.session.scalars(select(WageType.component)))
    rows = _rows("wage-types.csv")
    for row in rows:
        if row["component"] not in existing:
            db.session.add(WageType(component=row["component"], code=row["code"]))
    return len(rows)
