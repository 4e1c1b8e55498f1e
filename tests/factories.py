"""Model factories for tests: users of every role, organisations, experts, orders.

Call them inside an app context (``with app.app_context():``). They add to
``db.session`` and flush, so the objects have ids; the test commits
(``db.session.commit()``, which under the rollback harness only releases a
savepoint) before a request made with the test client can see them. Every
field has a default that can be overridden by a keyword argument.

Users are made by the real services (``create_user``, ``register_organisation``,
``apply_as_expert``) so their passwords are hashed as in production (with the
cheap argon2 parameters of ``TestConfig``); every password defaults to
`DEFAULT_PASSWORD`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import pyotp
from sqlalchemy import select

from app.accounts import services as account_services
from app.accounts.models import ORGANISATION_MEMBER, ROLES, User
from app.accounts.second_factor import STAFF_ROLES
from app.bookings.models import Assignment, Invitation, Order, OrderSession
from app.common.timeutil import utcnow
from app.experts.models import (
    VERIFIED,
    ExpertArea,
    ExpertAssignmentType,
    ExpertLanguage,
    ExpertProfile,
)
from app.extensions import db
from app.fees.models import AssignmentType
from app.organisations.business_id import normalize_business_id
from app.organisations.models import Membership, Organisation
from app.reference.models import ExpertiseArea

DEFAULT_PASSWORD = "correct-horse-battery"

_sequence = itertools.count(1)
#: Seven-digit bases for business IDs; far from the demo data's 0828159-9 and 1234567-1.
_business_id_bases = itertools.count(3_100_000)


def sequence() -> int:
    """A number that is new in this test run (for unique e-mails and names)."""
    return next(_sequence)


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}{sequence()}@example.fi"


def business_id_with_check_digit(digits: str) -> str | None:
    """The valid business ID for seven ``digits``; None when no check digit fits (remainder 1)."""
    for check in range(10):
        valid = normalize_business_id(f"{digits}-{check}")
        if valid is not None:
            return valid
    return None


def unique_business_id() -> str:
    """A valid business ID (check digit right) that no other factory call has handed out."""
    while True:
        valid = business_id_with_check_digit(f"{next(_business_id_bases):07d}")
        if valid is not None:
            return valid


def user(
    role: str = "coordinator",
    *,
    email: str | None = None,
    password: str | None = DEFAULT_PASSWORD,
    full_name: str | None = None,
    language: str = "fi",
    phone: str | None = None,
    **fields: Any,
) -> User:
    """A user with ``role``; ``password=None`` gives an account that only a reset link opens.

    Extra ``fields`` are set on the `User` (e.g. ``active=False``, ``totp_secret=...``).
    Staff (coordinator, finance, admin) get a random TOTP secret unless ``totp_secret`` is
    given (``None``: one who has not set up two-factor authentication).
    An ``organisation_member`` made here has no organisation; use `member` for one that has.
    """
    assert role in ROLES, role
    if role in STAFF_ROLES:
        fields.setdefault("totp_secret", pyotp.random_base32())  # staff sign in with a code
    number = sequence()
    created = account_services.create_user(
        email or f"{role.replace('_', '-')}{number}@example.fi",
        password,
        role,
        full_name or f"Testi Käyttäjä {number}",
        language=language,
        phone=phone,
    )
    for name, value in fields.items():
        setattr(created, name, value)
    db.session.flush()
    return created


def organisation(
    *,
    name: str | None = None,
    business_id: str | None = None,
    kind: str = "ngo",
    billing_email: str | None = None,
    **fields: Any,
) -> Organisation:
    """An organisation without members (see `member` and `organisation_admin`)."""
    number = sequence()
    fields.setdefault("status", "approved")
    created = Organisation(
        name=name or f"Testiyhdistys {number} ry",
        business_id=business_id or unique_business_id(),
        kind=kind,
        billing_email=billing_email or f"laskut{number}@example.fi",
        **fields,
    )
    db.session.add(created)
    db.session.flush()
    return created


#: `organisation` under a name that the parameters called ``organisation`` don't hide.
new_organisation = organisation


def member(
    organisation: Organisation | None = None,
    *,
    is_admin: bool = False,
    **user_fields: Any,
) -> User:
    """An organisation member (a new organisation unless one is given)."""
    if organisation is None:
        organisation = new_organisation()
    created = user(ORGANISATION_MEMBER, **user_fields)
    db.session.add(Membership(user=created, organisation=organisation, is_admin=is_admin))
    db.session.flush()
    db.session.refresh(created)  # load the membership relationship
    return created


def organisation_admin(organisation: Organisation | None = None, **user_fields: Any) -> User:
    return member(organisation, is_admin=True, **user_fields)


def registered_organisation(
    *,
    organisation_name: str | None = None,
    business_id: str | None = None,
    kind: str = "municipality",
    email: str | None = None,
    password: str = DEFAULT_PASSWORD,
    full_name: str = "Rekisteröijä Testinen",
    **fields: Any,
) -> User:
    """An organisation signed up through `register_organisation`; returns its first admin."""
    number = sequence()
    data = account_services.OrganisationSignup(
        organisation_name=organisation_name or f"Testikunta {number}",
        business_id=business_id or unique_business_id(),
        kind=kind,
        billing_email=fields.pop("billing_email", f"laskut{number}@example.fi"),
        einvoice_address=fields.pop("einvoice_address", ""),
        einvoice_operator=fields.pop("einvoice_operator", ""),
        full_name=full_name,
        email=email or f"registrar{number}@example.fi",
        phone=fields.pop("phone", ""),
        password=password,
        language=fields.pop("language", "fi"),
    )
    assert not fields, f"unknown fields {sorted(fields)}"
    return account_services.register_organisation(data)


def expertise_area(slug: str) -> ExpertiseArea:
    area = db.session.scalar(select(ExpertiseArea).where(ExpertiseArea.slug == slug))
    assert area is not None, f"unknown expertise area {slug!r} (reference data loaded?)"
    return area


def assignment_type(code: str) -> AssignmentType:
    found = db.session.scalar(select(AssignmentType).where(AssignmentType.code == code))
    assert found is not None, f"unknown assignment type {code!r} (reference data loaded?)"
    return found


def expert(
    status: str = VERIFIED,
    *,
    home_municipality_code: str = "609",
    areas: Iterable[str] = ("mental-health",),
    languages: Iterable[str] = ("fi",),
    assignment_types: Iterable[str] = ("lecture", "meeting", "group_guidance"),
    email: str | None = None,
    password: str = DEFAULT_PASSWORD,
    full_name: str | None = None,
    training_completed_on: date | None = None,
    **profile_fields: Any,
) -> ExpertProfile:
    """An expert applied through `apply_as_expert`, then given ``status`` and what they offer.

    Returns the `ExpertProfile`; its user is ``profile.user``. Extra
    ``profile_fields`` are set on the profile (e.g. ``travel_range_km=50``).
    """
    number = sequence()
    applied = account_services.apply_as_expert(
        account_services.ExpertApplication(
            full_name=full_name or f"Kokemus Asiantuntija{number}",
            email=email or f"expert{number}@example.fi",
            phone="",
            password=password,
            home_municipality_code=home_municipality_code,
            training_provider="Testikoulutus ry",
            training_course="Kokemusasiantuntijakoulutus",
            training_completed_on=training_completed_on or date(2024, 5, 31),
        )
    )
    profile = applied.expert_profile
    profile.status = status
    if status == VERIFIED:
        profile.verified_at = utcnow()
    for slug in areas:
        profile.areas.append(ExpertArea(area=expertise_area(slug), visible_to_organisations=True))
    for language in languages:
        profile.languages.append(ExpertLanguage(language=language))
    for code in assignment_types:
        profile.assignment_types.append(
            ExpertAssignmentType(assignment_type_id=assignment_type(code).id)
        )
    for name, value in profile_fields.items():
        setattr(profile, name, value)
    db.session.flush()
    return profile


def order(
    organisation: Organisation | None = None,
    *,
    status: str = "submitted",
    sessions: Sequence[tuple[datetime, int]] | None = None,
    assignment_type_code: str = "lecture",
    areas: Iterable[str] = ("mental-health",),
    experts_needed: int = 1,
    remote: bool = False,
    municipality_code: str | None = "609",
    created_by: User | None = None,
    title: str | None = None,
    **fields: Any,
) -> Order:
    """An order of ``organisation`` (a new one unless given) with one or more sessions.

    ``sessions`` is a list of (UTC start, minutes); by default one 45-minute
    session two weeks from now, on the hour.
    """
    if organisation is None:
        organisation = new_organisation()
    if created_by is None:
        created_by = member(organisation, is_admin=True)
    if sessions is None:
        start = (utcnow() + timedelta(days=14)).replace(minute=0, second=0, microsecond=0)
        sessions = [(start, 45)]
    now = utcnow()
    created = Order(
        organisation=organisation,
        created_by_id=created_by.id,
        title=title or f"Testitilaus {sequence()}",
        description="Kokemuspuheenvuoro testitilaisuudessa.",
        assignment_type=assignment_type(assignment_type_code),
        experts_needed=experts_needed,
        status=status,
        remote=remote,
        municipality_code=None if remote else municipality_code,
        address="" if remote else "Itsenäisyydenkatu 33, Pori",
        submitted_at=None if status == "draft" else now,
        **fields,
    )
    for slug in areas:
        created.expertise_areas.append(expertise_area(slug))
    for position, (starts_at, minutes) in enumerate(sessions, start=1):
        created.sessions.append(
            OrderSession(position=position, starts_at=starts_at, duration_minutes=minutes)
        )
    db.session.add(created)
    db.session.flush()
    return created


def booking(order: Order, expert: ExpertProfile, *, status: str = "booked") -> list[Assignment]:
    """Book ``expert`` for every session of ``order`` (an accepted invitation and assignments)."""
    now = utcnow()
    invitation = Invitation(
        order=order,
        expert_id=expert.id,
        status="accepted",
        rank=1,
        expires_at=min(now + timedelta(hours=48), order.starts_at),
        responded_at=now,
    )
    db.session.add(invitation)
    db.session.flush()
    booked = []
    for session in order.sessions:
        assignment = Assignment(
            order=order,
            session=session,
            expert_id=expert.id,
            invitation_id=invitation.id,
            status=status,
            starts_at=session.starts_at,
            ends_at=session.starts_at + timedelta(minutes=session.duration_minutes),
        )
        db.session.add(assignment)
        booked.append(assignment)
    db.session.flush()
    return booked


class Cast:
    """Ids and e-mails of `cast`'s people and orders: plain values, usable outside the context."""

    def __init__(self, **values: Any):
        self.__dict__.update(values)

    def __repr__(self) -> str:
        return f"Cast({self.__dict__!r})"


def cast() -> Cast:
    """Two organisations with an admin, a member and an order each, an expert and the staff.

    Commits (under the rollback harness: releases a savepoint) so that requests
    see the rows; returns only ids and e-mails, never ORM objects.
    """
    org_a, org_b = new_organisation(name="Organisaatio A"), new_organisation(name="Organisaatio B")
    a_admin, b_admin = organisation_admin(org_a), organisation_admin(org_b)
    a_member, b_member = member(org_a), member(org_b)
    order_a = order(org_a, created_by=a_admin, title="Organisaatio A:n luento")
    order_b = order(org_b, created_by=b_admin, title="Organisaatio B:n luento")
    profile = expert()
    staff = {role: user(role) for role in ("coordinator", "finance", "admin")}
    db.session.commit()
    return Cast(
        org_a=org_a.id,
        org_b=org_b.id,
        a_admin=a_admin.email,
        a_admin_id=a_admin.id,
        a_member=a_member.email,
        a_member_id=a_member.id,
        b_admin=b_admin.email,
        b_admin_id=b_admin.id,
        b_member=b_member.email,
        b_member_id=b_member.id,
        order_a=order_a.id,
        order_a_title=order_a.title,
        order_b=order_b.id,
        order_b_title=order_b.title,
        expert=profile.user.email,
        expert_user_id=profile.user_id,
        expert_id=profile.id,
        coordinator=staff["coordinator"].email,
        coordinator_id=staff["coordinator"].id,
        finance=staff["finance"].email,
        finance_id=staff["finance"].id,
        admin=staff["admin"].email,
        admin_id=staff["admin"].id,
    )
