"""Demo data for trying the service: `flask seed-demo` (idempotent).

Every account uses the same password (default ``kokemus-demo``). The finance
account has a fixed, demo-only TOTP secret so testers can approve payouts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.accounts.models import ADMIN, COORDINATOR, EXPERT, FINANCE, ORGANISATION_MEMBER, User
from app.accounts.passwords import hash_password
from app.accounts.tokens import new_secret
from app.bookings.models import Assignment, CompletionReport, Invitation, Order, OrderSession
from app.common.timeutil import utcnow
from app.experts.identity_code import CHECK_CHARACTERS
from app.experts.models import (
    APPLIED,
    VERIFIED,
    ExpertArea,
    ExpertAssignmentType,
    ExpertLanguage,
    ExpertProfile,
    TrainingRecord,
)
from app.experts.services import store_identity_code
from app.extensions import db
from app.fees.models import AssignmentType
from app.fees.rules import TravelClaim, compute_payout
from app.fees.services import quote
from app.organisations.invitations import INVITATION_LIFETIME
from app.organisations.models import ColleagueInvitation, Membership, Organisation
from app.payments import services as payments
from app.payouts.models import PayoutItem
from app.payouts.services import store_components
from app.reference.models import ExpertiseArea

DEMO_PASSWORD = "kokemus-demo"
DEMO_TOTP_SECRET = "KOKEMUSPANKKIDEMOTOTPKEY"
#: The other staff users' demo-only TOTP secrets (README): staff sign in with a code.
DEMO_COORDINATOR_TOTP_SECRET = "KOKEMUSPANKKIDEMOCOORDINATORKEY2"
DEMO_ADMIN_TOTP_SECRET = "KOKEMUSPANKKIDEMOADMINISTRATOR22"
DEMO_ORGANISATION = ("Demo hyvinvointialue", "0828159-9", "wellbeing_county")
SECOND_ORGANISATION = ("Toinen yhdistys ry", "1234567-1", "ngo")
#: A new organisation that waits for a coordinator's approval (the vetting queue's example).
PENDING_ORGANISATION = ("Uusi kokemusyhdistys ry", "2345678-0", "ngo")

#: (home municipality code, extra language) of expert1 … expert24; 1–4 live near Pori.
EXPERT_HOMES = [
    ("609", None),
    ("684", None),
    ("886", "en"),
    ("214", None),
    ("271", None),
    ("837", "en"),
    ("853", "sv"),
    ("091", "en"),
    ("905", "sv"),
    ("564", None),
    ("179", None),
    ("297", None),
    ("167", None),
    ("698", None),
    ("398", None),
    ("743", None),
    ("049", "sv"),
    ("638", "sv"),
    ("478", "sv"),
    ("051", None),
    ("609", "en"),
    ("837", None),
    ("091", None),
    ("564", "en"),
]
FIRST_NAMES = [
    "Aino",
    "Mikko",
    "Leena",
    "Jari",
    "Sanna",
    "Timo",
    "Elina",
    "Pekka",
    "Johanna",
    "Antti",
    "Riikka",
    "Ville",
    "Marja",
    "Kari",
    "Tiina",
    "Juha",
    "Anna",
    "Henrik",
    "Sofia",
    "Matti",
    "Kaisa",
    "Olli",
    "Hanna",
    "Eero",
]
LAST_NAMES = [
    "Virtanen",
    "Korhonen",
    "Mäkinen",
    "Nieminen",
    "Mäkelä",
    "Hämäläinen",
    "Laine",
    "Heikkinen",
    "Koskinen",
    "Järvinen",
    "Lehtonen",
    "Lehtinen",
    "Saarinen",
    "Salminen",
    "Heinonen",
    "Niemi",
    "Lindholm",
    "Sjöberg",
    "Ek",
    "Kinnunen",
    "Salonen",
    "Turunen",
    "Tuominen",
    "Rantanen",
]
TRAVEL_RANGES = [150, 100, 200, 60, 120, 300, 80, 50, 250, 100, 150, 200]
MONTHLY_LIMITS = {3: Decimal("300.00"), 15: Decimal("150.00")}
YEARLY_LIMITS = {9: Decimal("1200.00"), 21: Decimal("900.00")}
WITHHOLDING = {1: Decimal("10.00"), 2: Decimal("25.50"), 5: Decimal("18.00"), 8: Decimal("0.00")}


def finnish_iban(account: int) -> str:
    """A valid Finnish IBAN for demo use (fictitious bank account number)."""
    bban = f"{account:014d}"
    numeric = int(bban + "1518" + "00")  # "FI" = 15 18
    return f"FI{98 - numeric % 97:02d}{bban}"


def demo_identity_code(number: int) -> str:
    """A valid identity code for demo use: individual numbers 900-999 are never given to
    real people (they are temporary codes)."""
    digits = f"15{number % 12 + 1:02d}85{900 + number % 100:03d}"
    return f"{digits[:6]}-{digits[6:]}{CHECK_CHARACTERS[int(digits) % 31]}"


def _user(email: str, role: str, full_name: str, password_hash: str, **extra) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(
            email=email, role=role, full_name=full_name, password_hash=password_hash, **extra
        )
        db.session.add(user)
        db.session.flush()
    return user


def _organisation(name: str, business_id: str, kind: str, status: str = "approved"
                  ) -> Organisation:
    organisation = db.session.scalar(
        select(Organisation).where(Organisation.business_id == business_id)
    )
    if organisation is None:
        organisation = Organisation(
            name=name,
            business_id=business_id,
            kind=kind,
            billing_email=f"laskutus@{business_id[:7]}.demo.test",
            status=status,
        )
        db.session.add(organisation)
        db.session.flush()
    return organisation


def _member(user: User, organisation: Organisation, is_admin: bool) -> None:
    if user.membership is None:
        db.session.add(Membership(user=user, organisation=organisation, is_admin=is_admin))


@dataclass
class DemoWorld:
    organisation: Organisation
    org_user: User
    experts: list[ExpertProfile]
    types: dict[str, AssignmentType]
    areas: dict[str, ExpertiseArea]


def seed_demo(password: str = DEMO_PASSWORD, now: datetime | None = None) -> list[tuple[str, str]]:
    """Create the demo accounts and orders if missing; returns (e-mail, role) pairs."""
    now = now or utcnow()
    password_hash = hash_password(password)
    accounts: list[tuple[str, str]] = []

    def add(email, role, name, **extra):
        accounts.append((email, role))
        return _user(email, role, name, password_hash, **extra)

    add("admin@demo.test", ADMIN, "Ada Ylläpitäjä", totp_secret=DEMO_ADMIN_TOTP_SECRET)
    add("coordinator@demo.test", COORDINATOR, "Kaija Koordinaattori",
        totp_secret=DEMO_COORDINATOR_TOTP_SECRET)
    add("finance@demo.test", FINANCE, "Tuomas Talous", totp_secret=DEMO_TOTP_SECRET)
    organisation = _organisation(*DEMO_ORGANISATION)
    second = _organisation(*SECOND_ORGANISATION)
    org_user = add("org@demo.test", ORGANISATION_MEMBER, "Outi Organisaatio")
    _member(org_user, organisation, True)
    org2_user = add("org2@demo.test", ORGANISATION_MEMBER, "Toivo Toinen")
    _member(org2_user, second, False)
    waiting = _organisation(*PENDING_ORGANISATION, status="pending")
    org3_user = add("org3@demo.test", ORGANISATION_MEMBER, "Uuno Uusi")
    _member(org3_user, waiting, True)

    areas = {area.slug: area for area in db.session.scalars(select(ExpertiseArea))}
    types = {t.code: t for t in db.session.scalars(select(AssignmentType))}
    slugs = sorted(areas)
    applicant = add("applicant@demo.test", EXPERT, "Aapo Hakija")
    _expert_profile(applicant, "Aapo", "609", APPLIED, [], [], 0)

    experts = []
    for number in range(1, 25):
        home, extra_language = EXPERT_HOMES[number - 1]
        user = add(
            f"expert{number}@demo.test",
            EXPERT,
            f"{FIRST_NAMES[number - 1]} {LAST_NAMES[number - 1]}",
        )
        area_slugs = {slugs[number % len(slugs)], slugs[(number * 7 + 3) % len(slugs)]}
        if number <= 7:
            area_slugs.add("mental-health")
        profile = _expert_profile(
            user,
            FIRST_NAMES[number - 1],
            home,
            VERIFIED,
            [areas[slug] for slug in sorted(area_slugs)],
            ["fi"] + ([extra_language] if extra_language else []),
            number,
            types=types,
            now=now,
        )
        experts.append(profile)
    db.session.flush()
    world = DemoWorld(organisation, org_user, experts, types, areas)
    if db.session.scalar(select(Order).where(Order.organisation_id == organisation.id)) is None:
        _seed_orders(world, now)
        _seed_open_invoice(world, now)
    db.session.flush()
    _seed_participation(world, add, now)
    _seed_colleague_invitation(organisation, org_user, now)
    return accounts


def _seed_colleague_invitation(organisation: Organisation, admin: User, now: datetime) -> None:
    """A colleague invitation of the demo organisation waiting for an answer (its link's
    secret is thrown away: the demo shows the list, not the mail). A new one once it expired."""
    waiting = db.session.scalar(select(ColleagueInvitation.id).where(
        ColleagueInvitation.organisation_id == organisation.id,
        ColleagueInvitation.status == "pending", ColleagueInvitation.expires_at > now))
    if waiting is None:
        db.session.add(ColleagueInvitation(
            organisation_id=organisation.id, full_name="Ville Vastaanottaja",
            email="ville.vastaanottaja@demo.test", language="fi", invited_by_id=admin.id,
            token_hash=new_secret()[1], status="pending", created_at=now - timedelta(days=2),
            sent_at=now - timedelta(days=2), expires_at=now + INVITATION_LIFETIME
            - timedelta(days=2)))
        db.session.flush()


def _expert_profile(
    user, display_name, home, status, areas, languages, number, *, types=None, now=None
) -> ExpertProfile:
    if user.expert_profile is not None:
        return user.expert_profile
    profile = ExpertProfile(
        user=user,
        display_name=display_name,
        home_municipality_code=home,
        status=status,
        bio=(
            "Kerron omasta kokemuksestani toipumisesta ja siitä, mikä auttoi minua."
            if status == VERIFIED
            else ""
        ),
        travel_range_km=TRAVEL_RANGES[number % len(TRAVEL_RANGES)],
        remote_ok=number % 4 != 0,
        monthly_earnings_limit=MONTHLY_LIMITS.get(number),
        yearly_earnings_limit=YEARLY_LIMITS.get(number),
        withholding_percent=WITHHOLDING.get(number),
        iban=finnish_iban(40000000 + number) if status == VERIFIED else None,
        verified_at=now if status == VERIFIED else None,
    )
    for index, area in enumerate(areas):
        profile.areas.append(
            ExpertArea(area=area, visible_to_organisations=(number + index) % 3 != 0)
        )
    for language in languages:
        profile.languages.append(ExpertLanguage(language=language))
    if types:
        offered = ["lecture", "meeting", "group_guidance"] if number % 3 else ["lecture", "meeting"]
        for code in offered:
            profile.assignment_types.append(ExpertAssignmentType(assignment_type_id=types[code].id))
    profile.trainings.append(
        TrainingRecord(
            provider="Kokemusasiantuntijakoulutus ry",
            course="Kokemusasiantuntijakoulutus",
            completed_on=(now or utcnow()).date() - timedelta(days=200 + 10 * number),
        )
    )
    if status == VERIFIED:
        store_identity_code(profile, demo_identity_code(number))
    db.session.add(profile)
    return profile


def _order(
    world: DemoWorld,
    title: str,
    status: str,
    starts_in: timedelta,
    *,
    type_code="lecture",
    minutes=45,
    needed=1,
    area="mental-health",
    now: datetime,
    sessions: list[tuple[str, timedelta, int]] | None = None,
    remote=False,
) -> Order:
    order = Order(
        organisation=world.organisation,
        created_by_id=world.org_user.id,
        title=title,
        description="Demotilaus: kokemusasiantuntija kertoo omasta kokemuksestaan.",
        assignment_type=world.types[type_code],
        experts_needed=needed,
        status=status,
        remote=remote,
        municipality_code=None if remote else "609",
        address="" if remote else "Itsenäisyydenkatu 33, Pori",
        audience="Sosiaali- ja terveysalan ammattilaiset",
        accessibility="Esteetön sisäänkäynti",
        billing_reference="KP-DEMO",
        created_at=now + starts_in - timedelta(days=21),
        submitted_at=None if status == "draft" else now + starts_in - timedelta(days=20),
    )
    order.expertise_areas.append(world.areas[area])
    for position, (session_title, offset, length) in enumerate(
        sessions or [("", starts_in, minutes)], start=1
    ):
        order.sessions.append(
            OrderSession(
                position=position,
                title=session_title,
                starts_at=_on_the_hour(now + offset),
                duration_minutes=length,
            )
        )
    db.session.add(order)
    db.session.flush()
    return order


def _on_the_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _invite(
    order: Order, expert: ExpertProfile, status: str, now: datetime, rank: int
) -> Invitation:
    invitation = Invitation(
        order=order,
        expert_id=expert.id,
        status=status,
        rank=rank,
        created_at=now - timedelta(days=3),
        expires_at=min(now + timedelta(hours=40), order.starts_at),
        responded_at=None if status == "pending" else now - timedelta(days=2),
    )
    if status == "expired":
        invitation.expires_at = now - timedelta(days=1)
    db.session.add(invitation)
    db.session.flush()
    return invitation


def _book(
    order: Order, expert: ExpertProfile, now: datetime, status: str = "booked"
) -> list[Assignment]:
    invitation = _invite(order, expert, "accepted", now, rank=1)
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


def _report(
    assignment: Assignment, expert: ExpertProfile, km: str, confirmed: bool
) -> CompletionReport:
    session = assignment.session
    report = CompletionReport(
        assignment=assignment,
        reported_by_id=expert.user_id,
        duration_minutes=session.duration_minutes,
        remote=False,
        km_driven=Decimal(km),
        one_way_km=Decimal(km) / 2,
        trip_hours=Decimal("3.00"),
        confirmed_at=assignment.ends_at + timedelta(days=2) if confirmed else None,
    )
    db.session.add(report)
    return report


def _payout(
    assignment: Assignment,
    expert: ExpertProfile,
    report: CompletionReport,
    status: str,
    decided_by: User | None,
) -> PayoutItem:
    travel = TravelClaim(
        km_driven=report.km_driven, one_way_km=report.one_way_km, trip_hours=report.trip_hours
    )
    priced = quote(
        assignment.order.assignment_type.code,
        report.duration_minutes,
        assignment.starts_at.date(),
        remote=False,
        travel=travel,
    )
    amounts = compute_payout(priced, expert.withholding_percent)
    item = PayoutItem(
        assignment=assignment,
        expert_id=expert.id,
        status=status,
        fee=amounts.fee,
        travel=amounts.travel,
        per_diem=amounts.per_diem,
        withholding_percent=amounts.withholding_percent,
        withholding=amounts.withholding,
        net_fee=amounts.net_fee,
        total_paid=amounts.total_paid,
        work_date=assignment.starts_at,
        prepared_by_id=expert.user_id,
        decided_by_id=decided_by.id if decided_by else None,
        decided_at=utcnow() if decided_by else None,
    )
    store_components(item, priced.lines, assignment.order.assignment_type.code)
    db.session.add(item)
    return item


def _seed_orders(world: DemoWorld, now: datetime) -> None:
    """Orders of Demo hyvinvointialue in every state, with invitations and assignments."""
    e = world.experts  # e[0] is expert1@demo.test
    day = timedelta(days=1)
    _order(world, "Luento henkilöstöpäivillä (luonnos)", "draft", 40 * day, now=now)
    _order(
        world,
        "Asiakasraadin kokous",
        "submitted",
        25 * day,
        type_code="meeting",
        minutes=150,
        now=now,
    )
    matching = _order(
        world,
        "Ryhmänohjaus nuorille",
        "matching",
        14 * day,
        type_code="group_guidance",
        minutes=90,
        area="youth",
        now=now,
    )
    _invite(matching, e[9], "pending", now, rank=1)
    _invite(matching, e[10], "declined", now, rank=2)
    partly = _order(
        world, "Kokemuspuheenvuoro seminaarissa", "partially_filled", 5 * day, needed=2, now=now
    )  # within a week and short of an expert: on the organisation's "what needs you now"
    _book(partly, e[1], now)
    _invite(partly, e[2], "pending", now, rank=2)
    _invite(partly, e[3], "declined", now, rank=3)
    (withdrawn,) = _book(partly, e[12], now, status="cancelled_by_expert")
    withdrawn.cancelled_at, withdrawn.cancel_reason = now - day, "Sairastuin."
    filled = _order(world, "Mielenterveysviikon luento", "filled", 10 * day, now=now)
    _book(filled, e[0], now)
    _invite(filled, e[13], "closed", now, rank=2)
    series = _order(
        world,
        "Yhteiskehittäminen: palvelupolun kehittäminen",
        "filled",
        20 * day,
        type_code="meeting",
        minutes=180,
        needed=2,
        now=now,
        sessions=[
            ("Orientaatio", 20 * day, 180),
            ("Kokemuksia palveluista", 34 * day, 180),
            ("Ihannepalvelu ja arviointi", 48 * day, 180),
        ],
    )
    series.series_template = "co_development_3"
    _book(series, e[4], now)
    _book(series, e[5], now)
    for title, offset in (
        ("Päihdetyön koulutuspäivän puheenvuoro", -6 * day),
        ("Omaishoitajien vertaisryhmän vierailu", -3 * day),
    ):
        past = _order(world, title, "filled", offset, now=now)
        _book(past, e[0], now)
    reported_order = _order(
        world,
        "Työllisyyspalvelujen kehittämisilta",
        "filled",
        -9 * day,
        type_code="meeting",
        minutes=150,
        area="unemployment",
        now=now,
    )
    (assignment,) = _book(reported_order, e[6], now, status="reported")
    _report(assignment, e[6], "42", confirmed=False)
    completed = _order(world, "Asukasillan kokemuspuheenvuoro", "completed", -15 * day, now=now)
    (assignment,) = _book(completed, e[1], now, status="confirmed")
    report = _report(assignment, e[1], "84", confirmed=True)
    _payout(assignment, e[1], report, "pending_approval", None)
    closed = _order(
        world,
        "Vammaisneuvoston kokous",
        "closed",
        -30 * day,
        type_code="meeting",
        minutes=120,
        area="disability",
        now=now,
    )
    expert = next(p for p in e if any(a.area.slug == "disability" for a in p.areas))
    (assignment,) = _book(closed, expert, now, status="confirmed")
    report = _report(assignment, expert, "30", confirmed=True)
    finance = db.session.scalar(select(User).where(User.email == "finance@demo.test"))
    _payout(assignment, expert, report, "approved", finance)
    cancelled = _order(world, "Peruttu luento", "cancelled", 8 * day, now=now)
    cancelled.cancelled_at, cancelled.cancelled_by_id = now - day, world.org_user.id
    (dropped,) = _book(cancelled, e[14], now, status="cancelled_by_organisation")
    dropped.cancelled_at = now - day
    _invite(cancelled, e[15], "withdrawn", now, rank=2)
    unfilled = _order(
        world,
        "Kesäkauden ryhmä",
        "unfilled",
        -2 * day,
        type_code="group_guidance",
        minutes=60,
        area="homelessness",
        now=now,
    )
    unfilled.deadline_at = now - 4 * day
    _invite(unfilled, e[11], "expired", now, rank=1)
    _seed_disputed_report(world, now)
    _seed_changed_order(world, now)


def _seed_disputed_report(world: DemoWorld, now: datetime) -> None:
    """A report the organisation disputed, with the expert's answer: waits for the coordinator."""
    expert = world.experts[16]
    order = _order(world, "Kokemuspuheenvuoro perhekeskuksessa", "filled",
                   -timedelta(days=6), now=now)
    (assignment,) = _book(order, expert, now, status="disputed")
    report = _report(assignment, expert, "148", confirmed=False)
    report.disputed_at = now - timedelta(days=2)
    report.dispute_reason = ("Ajomatka Porista perhekeskukseen on noin 10 km suuntaansa, "
                             "raportissa on 148 km.")
    report.expert_reply = "Ajoin samana päivänä toiseen paikkaan, laskin matkan väärin."
    report.expert_replied_at = now - timedelta(days=1)


def _seed_changed_order(world: DemoWorld, now: datetime) -> None:
    """An order moved to a new time: one expert stays booked with an updated calendar entry,
    one had other plans and was released, and the next candidate is invited."""
    from app.audit.services import record_audit
    from app.bookings.changes import RELEASED_REASON

    e = world.experts
    order = _order(world, "Kokemuspuheenvuoro opiskelijoille (aika muuttui)",
                   "partially_filled", timedelta(days=12), needed=2, now=now)
    (kept,) = _book(order, e[17], now)
    kept.calendar_sequence = 1
    (released,) = _book(order, e[18], now, status="cancelled_by_organisation")
    released.cancelled_at, released.cancel_reason = now - timedelta(days=1), RELEASED_REASON
    released.calendar_sequence = 1
    _invite(order, e[19], "pending", now, rank=3)
    db.session.flush()
    record_audit(world.org_user, "order_changed", "order", order.id,
                 fields=["starts_at", "duration_minutes"])
    record_audit(None, "booking_released", "assignment", released.id, order=order.id)


def _seed_open_invoice(world: DemoWorld, now: datetime) -> None:
    """An open invoice of the organisation's closed order (on its "what needs you now")."""
    closed = db.session.scalar(select(Order).where(
        Order.organisation_id == world.organisation.id, Order.status == "closed"))
    (assignment,) = [a for a in closed.assignments if a.status == "confirmed"]
    payments.add_invoice_lines_for_assignment(
        assignment, Decimal("20.00"), Decimal("12.60"), Decimal("0.00"), now)
    for invoice in payments.create_due_invoices(now):
        payments.make_manual(invoice.id, now)


def seed_demo_emails() -> list[tuple[str, str]]:
    """The demo accounts that exist in the database, as (e-mail, role)."""
    users = db.session.scalars(select(User).where(User.email.like("%@demo.test")).order_by(User.id))
    return [(user.email, user.role) for user in users]


def _seed_participation(world: DemoWorld, add, now: datetime) -> None:
    """Groups, their meetings, records, evaluations, feedback and reports back (idempotent)."""
    from app.participation.demo import seed_participation

    seed_participation(world, add, now, order=_order, book=_book, report=_report)
