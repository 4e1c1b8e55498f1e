"""Read helpers for expert pages: the verification queue and the expert directory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from app.accounts.models import ADMIN, COORDINATOR, EXPERT, ORGANISATION_MEMBER, User
from app.bookings.models import Assignment, Order
from app.common.errors import InvalidInput, NotFound, PermissionDenied
from app.experts import certificates
from app.experts.models import (
    APPLIED,
    INFO_REQUESTED,
    VERIFIED,
    WORK_LANGUAGES,
    ExpertArea,
    ExpertLanguage,
    ExpertProfile,
    TrainingRecord,
    Unavailability,
)
from app.extensions import db
from app.organisations.services import require_approved
from app.reference.models import ExpertiseArea, Municipality


def verification_queue() -> list[ExpertProfile]:
    """Applicants waiting for a coordinator's decision, oldest first."""
    return list(
        db.session.scalars(
            select(ExpertProfile)
            .where(ExpertProfile.status.in_((APPLIED, INFO_REQUESTED)))
            .options(
                selectinload(ExpertProfile.trainings),
                selectinload(ExpertProfile.user),
                selectinload(ExpertProfile.home_municipality),
            )
            .order_by(ExpertProfile.created_at, ExpertProfile.id)
        )
    )


# --- the expert directory: what organisations (and the bank's staff) may see ---------------

#: Assignment statuses that do not count as a booking with the organisation.
CANCELLED_ASSIGNMENTS = ("cancelled_by_organisation", "cancelled_by_expert")


@dataclass(frozen=True)
class DirectoryFilters:
    """Search words (in the display name or bio), an area slug, a work language, a region."""

    text: str = ""
    area: str | None = None
    language: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class DirectoryEntry:
    """One expert as ``reader`` may see them; the contact fields are None unless allowed."""

    expert_id: int
    display_name: str
    bio: str
    region_fi: str | None
    region_sv: str | None
    areas: tuple[ExpertiseArea, ...]
    full_name: str | None = None
    email: str | None = None
    phone: str | None = None

    def region(self, language: str) -> str:
        return (self.region_sv if language == "sv" else self.region_fi) or ""

    @property
    def shows_contact(self) -> bool:
        return self.full_name is not None


@dataclass(frozen=True)
class DirectoryPage:
    entries: list[DirectoryEntry]
    #: Offset of the next page, or None on the last page.
    next_offset: int | None


def _is_staff(reader: User) -> bool:
    return reader.role in (COORDINATOR, ADMIN)


def directory_regions() -> list[tuple[str, str]]:
    """(Finnish name, Swedish name) of every region, sorted by the Finnish name."""
    rows = db.session.execute(
        select(Municipality.region_fi, Municipality.region_sv)
        .distinct()
        .order_by(Municipality.region_fi)
    )
    return [(fi, sv) for fi, sv in rows]


def expert_directory(
    reader: User, filters: DirectoryFilters, *, offset: int = 0, limit: int = 30
) -> DirectoryPage:
    """Verified experts as ``reader`` may see them (DESIGN.md, "Privacy and security").

    An organisation member sees display names, bios, home regions and only the
    expertise areas each expert chose to show; filtering by area looks at those
    shown areas only, so a hidden area cannot be found out by searching. Full
    name, e-mail and phone appear only for experts with a (not cancelled)
    assignment in an order of the reader's own organisation. Coordinators and
    admins see every area and every contact. An organisation that a coordinator has
    not approved yet sees nobody (PermissionDenied "organisation_not_approved").
    """
    staff = _is_staff(reader)
    if not staff and (reader.role != ORGANISATION_MEMBER or reader.organisation_id is None):
        raise PermissionDenied("Only organisations and the bank's staff can look for experts.")
    require_approved(reader)
    query = select(ExpertProfile).where(
        ExpertProfile.status == VERIFIED, ExpertProfile.user.has(User.active.is_(True))
    )
    text = (filters.text or "").strip().lower()
    if text:
        query = query.where(
            or_(
                func.lower(ExpertProfile.display_name).contains(text, autoescape=True),
                func.lower(ExpertProfile.bio).contains(text, autoescape=True),
            )
        )
    if filters.area:
        area = db.session.scalar(select(ExpertiseArea).where(ExpertiseArea.slug == filters.area))
        if area is None:
            raise InvalidInput("Choose the expertise area from the list.",
                               code="unknown_expertise_area", field="area")
        condition = ExpertArea.area_id == area.id
        if not staff:
            condition = and_(condition, ExpertArea.visible_to_organisations.is_(True))
        query = query.where(ExpertProfile.areas.any(condition))
    if filters.language:
        if filters.language not in WORK_LANGUAGES:
            raise InvalidInput("Choose the language from the list.", code="unknown_language",
                               field="language")
        query = query.where(
            ExpertProfile.languages.any(ExpertLanguage.language == filters.language)
        )
    if filters.region:
        query = query.where(
            ExpertProfile.home_municipality.has(
                or_(Municipality.region_fi == filters.region,
                    Municipality.region_sv == filters.region)
            )
        )
    profiles = list(
        db.session.scalars(
            query.options(
                selectinload(ExpertProfile.areas).selectinload(ExpertArea.area),
                selectinload(ExpertProfile.home_municipality),
                selectinload(ExpertProfile.user),
            )
            .order_by(func.lower(ExpertProfile.display_name), ExpertProfile.id)
            .offset(offset)
            .limit(limit + 1)
        )
    )
    more = len(profiles) > limit
    profiles = profiles[:limit]
    if staff:
        contact_ids = {p.id for p in profiles}
    else:
        contact_ids = booked_with_organisation(reader.organisation_id, [p.id for p in profiles])
    entries = [_entry(p, staff, p.id in contact_ids) for p in profiles]
    return DirectoryPage(entries=entries, next_offset=offset + limit if more else None)


def booked_with_organisation(organisation_id: int, expert_ids: list[int]) -> set[int]:
    """Those of ``expert_ids`` with a not-cancelled assignment in an order of the organisation."""
    if not expert_ids:
        return set()
    return set(
        db.session.scalars(
            select(Assignment.expert_id)
            .join(Order, Order.id == Assignment.order_id)
            .where(
                Order.organisation_id == organisation_id,
                Assignment.expert_id.in_(expert_ids),
                Assignment.status.not_in(CANCELLED_ASSIGNMENTS),
            )
            .distinct()
        )
    )


def _entry(profile: ExpertProfile, staff: bool, with_contact: bool) -> DirectoryEntry:
    rows = sorted(profile.areas, key=lambda row: row.area_id)
    areas = tuple(row.area for row in rows if staff or row.visible_to_organisations)
    municipality = profile.home_municipality
    user = profile.user
    return DirectoryEntry(
        expert_id=profile.id,
        display_name=profile.display_name,
        bio=profile.bio or "",
        region_fi=municipality.region_fi if municipality else None,
        region_sv=municipality.region_sv if municipality else None,
        areas=areas,
        full_name=user.full_name if with_contact else None,
        email=user.email if with_contact else None,
        phone=user.phone if with_contact else None,
    )


def upcoming_unavailabilities(profile: ExpertProfile, now: datetime) -> list[Unavailability]:
    """The expert's own unavailability periods that have not ended, soonest first."""
    return list(
        db.session.scalars(
            select(Unavailability)
            .where(Unavailability.expert_id == profile.id, Unavailability.ends_at > now)
            .order_by(Unavailability.starts_at, Unavailability.id)
        )
    )


# --- applications and certificates -----------------------------------------------------------


@dataclass(frozen=True)
class CertificateFile:
    """A stored certificate ready to be sent to someone allowed to see it."""

    path: str
    download_name: str
    mimetype: str


def application_for_reviewer(reader: User, expert_id: int) -> ExpertProfile:
    """An applicant's profile with training, for coordinators and admins."""
    if not _is_staff(reader):
        raise PermissionDenied("Only coordinators can check applications.")
    profile = db.session.get(ExpertProfile, expert_id)
    if profile is None:
        raise NotFound("The application was not found.", code="expert_not_found")
    return profile


def certificate_for_reader(reader: User, training_id: int) -> CertificateFile:
    """The certificate of a training record, for coordinators, admins and the expert only."""
    record = db.session.get(TrainingRecord, training_id)
    if record is None or not record.certificate_path:
        raise NotFound("The certificate was not found.", code="certificate_not_found")
    is_owner = reader.role == EXPERT and reader.expert_id == record.expert_id
    if not _is_staff(reader) and not is_owner:
        raise PermissionDenied("You do not have access to this certificate.")
    path = certificates.stored_path(record.certificate_path)
    if path is None:
        raise NotFound("The certificate was not found.", code="certificate_not_found")
    kind = certificates.kind_for_path(record.certificate_path)
    name = record.certificate_filename or f"certificate{kind.extension}"
    return CertificateFile(path=path, download_name=name, mimetype=kind.mimetype)
