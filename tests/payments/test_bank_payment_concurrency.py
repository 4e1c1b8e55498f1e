"""Bank payments registered at the same moment on PostgreSQL: an invoice is paid once.

Real threads with their own connections and transactions, released together, on
a scratch database of their own (see tests/support/concurrency.py).
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.common.timeutil import utcnow
from app.extensions import db
from app.payments import services
from app.payments.models import BankPayment, Invoice
from tests import factories
from tests.payments.helpers import confirmed_work
from tests.support import concurrency
from tests.support.databases import on_postgres

pytestmark = pytest.mark.skipif(
    not on_postgres(),
    reason="row locks need PostgreSQL; SQLite serialises writers on its own (one process)")

RACERS = 8
PAID_ON = date(2026, 12, 1)


@pytest.fixture(scope="module")
def committing_app(tmp_path_factory):
    with concurrency.committing_app(tmp_path_factory.mktemp("bank"), "app_bank_race",
                                    RACERS) as app:
        yield app


@pytest.fixture(autouse=True)
def _app_context(committing_app):
    """Override the package's fixture: no rolled-back transaction here."""
    with committing_app.app_context():
        yield


def _open_invoice(total: str) -> tuple[int, str, list[int]]:
    now = utcnow().replace(microsecond=0)
    order, _assignment, _lines = confirmed_work(now, fee=Decimal(total), travel=Decimal("0"))
    services.run_invoicing(now)
    invoice = db.session.scalar(select(Invoice).where(Invoice.order_id == order.id))
    team = [factories.user("finance").id for _ in range(RACERS)]
    db.session.commit()
    result = invoice.id, invoice.reference_number, team
    db.session.remove()
    return result


def _outcomes(results) -> Counter:
    return Counter(getattr(r, "outcome", None) or getattr(r, "code", type(r).__name__)
                   for r in results)


def _register(user_id, reference, amount, archive_id):
    return lambda: services.register_bank_payment(
        db.session.get(User, user_id), reference, Decimal(amount), PAID_ON, archive_id)


def _payments(invoice_id) -> int:
    return db.session.scalar(select(func.count()).select_from(BankPayment)
                             .where(BankPayment.invoice_id == invoice_id))


def test_the_same_transfer_registered_at_once_counts_once(committing_app):
    invoice_id, reference, team = _open_invoice("40.00")
    results = concurrency.race(committing_app, [
        _register(user, reference, "40.00", "ARCHIVE-SAME") for user in team])
    assert _outcomes(results) == {"paid": 1, "duplicate": RACERS - 1}, results
    invoice = db.session.get(Invoice, invoice_id)
    assert invoice.status == "paid" and invoice.amount_paid == Decimal("40.00")
    assert _payments(invoice_id) == 1


def test_payments_without_archive_ids_pay_once_and_the_rest_are_refused(committing_app):
    invoice_id, reference, team = _open_invoice("40.00")
    results = concurrency.race(committing_app, [
        _register(user, reference, "40.00", None) for user in team])
    assert _outcomes(results) == {"paid": 1, "already_paid": RACERS - 1}, results
    assert db.session.get(Invoice, invoice_id).amount_paid == Decimal("40.00")
    assert _payments(invoice_id) == 1


def test_partial_payments_at_once_all_add_up(committing_app):
    invoice_id, reference, team = _open_invoice("40.00")
    results = concurrency.race(committing_app, [
        _register(user, reference, "5.00", f"PART-{n}") for n, user in enumerate(team)])
    assert _outcomes(results) == {"paid": 1, "partly_paid": RACERS - 1}, results
    invoice = db.session.get(Invoice, invoice_id)
    assert invoice.status == "paid" and invoice.amount_paid == Decimal("40.00")
    assert _payments(invoice_id) == RACERS
