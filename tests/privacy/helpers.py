"""People with data in every corner of the service, and a scan of every table for text."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import func, select

from app.accounts.models import LoginAttempt, User
from app.accounts.services import issue_api_token
from app.audit.services import record_audit
from app.bookings.models import Invitation, Order
from app.common.timeutil import utcnow
from app.common.uploads import kind_of, store_upload
from app.experts.certificates import store_certificate
from app.experts.models import Unavailability
from app.extensions import db
from app.mail.models import OutboxMessage
from app.participation.feedback.models import Feedback
from app.participation.groups.models import GroupMember, MeetingEntry
from app.payments.models import Invoice, InvoiceLine
from app.payouts import services as payouts
from app.payouts.models import PayoutBatch, PayoutItem
from tests import factories
from tests.participation.helpers import group
from tests.payouts.helpers import approved, expert_with_iban, helsinki, payout

CERTIFICATE = b"%PDF-1.4\n% test certificate\n"
RECEIPT = b"%PDF-1.4\n% parking receipt\n"


@dataclass
class Person:
    user_id: int
    expert_id: int
    name: str
    email: str
    iban: str
    phone: str
    token: str
    certificate_path: str
    receipt_path: str
    paid_item_id: int
    unpaid_item_id: int
    future_order_id: int
    invited_order_id: int

    @property
    def secrets(self) -> list[str]:
        """What must be gone from the database once the account is fully erased."""
        return [self.name, self.email, self.iban, self.phone]


def rich_expert(name: str, email: str, iban: str, phone: str, organiser: User) -> Person:
    """An expert with a profile, a certificate, a coming booking, an open invitation, two
    payouts (the first to be paid, the second approved later), feedback, a group membership,
    notes, mails, a token, a failed sign-in and audit entries that name them."""
    expert = expert_with_iban(iban=iban, full_name=name, email=email,
                              bio=f"Olen {name} ja kerron kokemuksestani.")
    user = expert.user
    user.phone = phone
    record = expert.trainings[0]
    record.certificate_path = store_certificate(CERTIFICATE, kind_of(CERTIFICATE))
    record.certificate_filename = "todistus.pdf"
    expert.unavailabilities.append(Unavailability(
        starts_at=utcnow() + timedelta(days=30), ends_at=utcnow() + timedelta(days=31),
        note="Lomamatka"))
    paid = payout(expert, starts_at=helsinki(2026, 3, 2), fee="30.00", travel="12.40")
    paid.assignment.report.receipt_path = store_upload(RECEIPT, kind_of(RECEIPT), "receipts")
    unpaid = payout(expert, starts_at=helsinki(2026, 3, 5), fee="20.00", per_diem="25.00")
    coming = factories.order(organiser.membership.organisation, created_by=organiser,
                             status="filled")
    factories.booking(coming, expert)
    invited = factories.order(organiser.membership.organisation, created_by=organiser,
                              status="matching")
    db.session.add(Invitation(order=invited, expert_id=expert.id, status="pending", rank=1,
                              expires_at=utcnow() + timedelta(hours=40)))
    db.session.add(InvoiceLine(
        organisation_id=paid.assignment.order.organisation_id, assignment_id=paid.assignment_id,
        kind="fee", description=f"Asiantuntijan palkkio: {name}", amount=Decimal("30.00")))
    db.session.add(Feedback(assignment_id=paid.assignment_id, author_id=user.id,
                            author_kind="expert", rating=5, text="Hyvin järjestetty."))
    panel = group(organiser)
    db.session.add(GroupMember(group=panel, user_id=user.id, name=name, kind="expert",
                               added_by_id=organiser.id))
    session_id = coming.sessions[0].id
    db.session.add(MeetingEntry(session_id=session_id, kind="notes", author_id=user.id,
                                text="Ehdotan vertaistukiryhmää."))
    db.session.add(MeetingEntry(session_id=session_id, kind="notes", author_id=organiser.id,
                                text=f"{name} kertoi kokemuksestaan."))
    db.session.add(OutboxMessage(to_address=email, user_id=user.id, subject="Tervetuloa",
                                 body_text=f"Hei {name}!", kind="test"))
    db.session.add(OutboxMessage(to_address=organiser.email, user_id=organiser.id,
                                 subject="Tieto", body_text=f"{name} ({email}) tulee.",
                                 kind="test"))
    db.session.add(LoginAttempt(email=email, succeeded=False))
    record_audit(organiser, "note_written", "user", user.id, about=f"{name} <{email}>")
    token = issue_api_token(user)
    db.session.flush()
    return Person(user_id=user.id, expert_id=expert.id, name=name, email=email, iban=iban,
                  phone=phone, token=token, certificate_path=record.certificate_path,
                  receipt_path=paid.assignment.report.receipt_path,
                  paid_item_id=paid.id, unpaid_item_id=unpaid.id, future_order_id=coming.id,
                  invited_order_id=invited.id)


def pay_together(people: list[Person], finance: User, now) -> PayoutBatch:
    """Approve every payout of ``people``; put the first ones in one batch and pay it."""
    items = [db.session.get(PayoutItem, p.paid_item_id) for p in people]
    later = [db.session.get(PayoutItem, p.unpaid_item_id) for p in people]
    approved(items + later, finance, now)
    batch = payouts.create_batch(finance, [i.id for i in items], now)
    payouts.mark_batch_paid(finance, batch.id, now)
    return batch


def pay_items(item_ids: list[int], finance: User, now) -> PayoutBatch:
    batch = payouts.create_batch(finance, item_ids, now)
    payouts.mark_batch_paid(finance, batch.id, now)
    return batch


def _text(value) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def scan(values: list[str]) -> list[tuple[str, str, str]]:
    """Every (table, column, value) in the whole database whose text holds one of ``values``."""
    found = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).mappings():
            for column, value in row.items():
                text = _text(value)
                for wanted in values:
                    if wanted in text:
                        found.append((table.name, column, wanted))
    return found


def bookkeeping_totals() -> dict:
    """Sums of every money column of the bookkeeping tables, and their row counts."""
    def total(*columns):
        return db.session.execute(select(*[func.coalesce(func.sum(c), 0) for c in columns],
                                         func.count())).one()

    return {
        "payout_items": total(PayoutItem.fee, PayoutItem.travel, PayoutItem.per_diem,
                              PayoutItem.withholding, PayoutItem.net_fee,
                              PayoutItem.total_paid),
        "payout_batches": total(PayoutBatch.total_net, PayoutBatch.item_count),
        "invoices": total(Invoice.total),
        "invoice_lines": total(InvoiceLine.amount),
        "orders": db.session.scalar(select(func.count()).select_from(Order)),
        "users": db.session.scalar(select(func.count()).select_from(User)),
    }


def row_count(model) -> int:
    return db.session.scalar(select(sa.func.count()).select_from(model))
