"""Building payout items for tests: confirmed work, finance users with two-factor secrets."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pyotp

from app.bookings.models import CompletionReport
from app.common.timeutil import helsinki_to_utc
from app.experts.services import store_identity_code
from app.extensions import db
from app.payouts import services
from tests import factories
from tests.support.two_factor import fresh_code

#: Valid test IBANs (check digits right): the bank's own account and experts' accounts.
BANK_IBAN = "FI2112345600000785"
BANK_BIC = "NDEAFIHH"
EXPERT_IBANS = ("FI5542345670000081", "FI4950009420028730", "FI7944052020036082",
                "DE89370400440532013000")


def finance_user(**fields):
    """A finance user with a two-factor secret of their own."""
    fields.setdefault("totp_secret", pyotp.random_base32())
    return factories.user("finance", **fields)


def code(user, now: datetime) -> str:
    """A two-factor code of the user at ``now`` that has not been used yet."""
    return fresh_code(user, now)


def helsinki(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return helsinki_to_utc(date(year, month, day), time(hour, minute))


#: Valid personal identity codes (examples of the Digital and Population Data Services Agency).
IDENTITY_CODES = ("131052-308T", "010594Y9021", "020594X903P", "030594W903B", "040594V9030",
                  "050594U903M", "010516B903X", "020516C903K", "030516D9037", "010501E9032")


def expert_with_iban(number: int = 0, identity_code: str | None = "", **fields):
    """An expert with a valid IBAN and identity code (``identity_code=None``: without one)."""
    fields.setdefault("iban", EXPERT_IBANS[number % len(EXPERT_IBANS)])
    expert = factories.expert(**fields)
    if identity_code is not None:
        store_identity_code(expert, identity_code or IDENTITY_CODES[number % len(IDENTITY_CODES)])
    return expert


def confirmed_assignment(expert, starts_at: datetime, *, minutes: int = 45,
                         reported_by=None, title: str | None = None):
    """A confirmed assignment of ``expert`` at ``starts_at``; reported by ``reported_by``
    (the expert when None) with a remote 45-minute lecture report."""
    order = factories.order(sessions=[(starts_at, minutes)], status="filled", remote=True,
                            title=title)
    (assignment,) = factories.booking(order, expert, status="confirmed")
    reporter = reported_by or expert.user
    db.session.add(CompletionReport(assignment=assignment, reported_by_id=reporter.id,
                                    duration_minutes=minutes, remote=True))
    db.session.flush()
    return assignment


def payout(expert=None, *, starts_at: datetime | None = None, fee="30.00", travel="0.00",
           per_diem="0.00", reported_by=None, now: datetime | None = None, title=None):
    """A payout item waiting for approval, made by `services.create_payout_item`."""
    expert = expert or expert_with_iban()
    starts_at = starts_at or helsinki(2026, 3, 10, 13)
    assignment = confirmed_assignment(expert, starts_at, reported_by=reported_by, title=title)
    reporter = reported_by or expert.user
    return services.create_payout_item(
        assignment, fee=Decimal(fee), travel=Decimal(travel), per_diem=Decimal(per_diem),
        fee_schedule_id=None, prepared_by_id=reporter.id, now=now or starts_at)


def approved(items, approver, now: datetime):
    services.approve_payout_items(approver, [i.id for i in items], code(approver, now), now)
    return items


def ensure_demo_batch() -> int:
    """The id of a payment batch in the live demo database, made from the demo's approved
    payouts when there is none yet (with a test bank account). Call in the live server's
    app context; commits."""
    from flask import current_app
    from sqlalchemy import select

    from app.accounts.models import User
    from app.common.timeutil import utcnow
    from app.payouts.models import PayoutBatch

    found = db.session.scalar(select(PayoutBatch.id).order_by(PayoutBatch.id))
    if found is not None:
        return found
    finance = db.session.scalar(select(User).where(User.email == "finance@demo.test"))
    config = current_app.config
    saved = config.get("BANK_IBAN"), config.get("BANK_BIC")
    config["BANK_IBAN"], config["BANK_BIC"] = BANK_IBAN, BANK_BIC
    try:
        batch = services.create_batch(finance, None, utcnow())
    finally:
        config["BANK_IBAN"], config["BANK_BIC"] = saved
    db.session.commit()
    return batch.id
