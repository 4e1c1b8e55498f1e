"""Invoices a municipality can pay: reference numbers, bank payments, VAT, billing references."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.extensions import db
from app.payments import services
from app.payments.models import BankPayment, Invoice
from app.payments.reference_numbers import is_valid_finnish_reference, rf_reference
from tests import factories
from tests.payments.helpers import confirmed_work


def invoiced(now, organisation=None, **work) -> Invoice:
    order, _assignment, _lines = confirmed_work(now, organisation, **work)
    services.run_invoicing(now)
    return db.session.scalar(select(Invoice).where(Invoice.order_id == order.id))


@pytest.fixture
def finance():
    user = factories.user("finance")
    db.session.commit()
    return user


def test_every_invoice_gets_its_own_valid_reference_number(now):
    first, second = invoiced(now), invoiced(now)
    for invoice in (first, second):
        assert is_valid_finnish_reference(invoice.reference_number)
        assert invoice.reference_number == services.invoice_reference_number(invoice.id)
    assert first.reference_number != second.reference_number


def test_the_billing_reference_comes_from_the_order_or_else_the_organisation(now):
    organisation = factories.organisation(billing_reference="Kustannuspaikka 4400")
    own = invoiced(now, organisation, billing_reference="Hanke 7")
    fallback = invoiced(now, organisation, billing_reference="")
    assert own.billing_reference == "Hanke 7"
    assert fallback.billing_reference == "Kustannuspaikka 4400"


def test_the_due_date_follows_the_payment_terms(now, app):
    from app.admin.services import set_setting
    from app.common.timeutil import to_helsinki

    set_setting(factories.user("admin"), "payment_term_days", 30)
    invoice = invoiced(now)
    assert (invoice.due_date - to_helsinki(now).date()).days == 30


def test_lines_are_vat_exempt_by_default_with_the_legal_reason(now, app):
    invoice = invoiced(now, fee=Decimal("30.00"), travel=Decimal("12.60"))
    assert all(line.vat_percent is None and line.vat == 0 for line in invoice.lines)
    assert invoice.total == Decimal("42.60")
    assert "AVL 34 §" in invoice.vat_exemption_reason


@pytest.mark.parametrize(
    ("percent", "fee", "travel", "vats", "total"),
    [
        ("25.5", "30.00", "12.60", ["7.65", "3.21"], "53.46"),  # 3.213 -> 3.21
        ("24", "15.00", "0.10", ["3.60", "0.02"], "18.72"),  # 0.024 -> 0.02
        ("25.5", "20.00", "0.02", ["5.10", "0.01"], "25.13"),  # 0.0051 -> 0.01, half up per line
    ],
)
def test_a_vat_rate_is_applied_per_line_rounded_half_up(now, app, percent, fee, travel, vats,
                                                         total):
    app.config["INVOICE_VAT_PERCENT"] = percent
    try:
        invoice = invoiced(now, fee=Decimal(fee), travel=Decimal(travel))
    finally:
        app.config["INVOICE_VAT_PERCENT"] = ""
    assert [line.vat for line in invoice.lines] == [Decimal(v) for v in vats]
    assert all(line.vat_percent == Decimal(percent) for line in invoice.lines)
    assert invoice.total == Decimal(total)
    assert invoice.vat_exemption_reason is None


def test_a_bad_vat_configuration_is_refused(app):
    with app.test_request_context():
        for bad in ("abc", "101", "25.555"):
            app.config["INVOICE_VAT_PERCENT"] = bad
            with pytest.raises(ValueError):
                services.vat_rate()
        app.config["INVOICE_VAT_PERCENT"] = "25,5"
        assert services.vat_rate() == Decimal("25.5")
        app.config["INVOICE_VAT_PERCENT"] = ""
        assert services.vat_rate() is None


# Registering bank payments -----------------------------------------------------------------------


def test_a_payment_by_reference_marks_the_right_invoice_paid_once(now, finance):
    other = invoiced(now)
    invoice = invoiced(now)
    result = services.register_bank_payment(finance, invoice.reference_number, Decimal("42.60"),
                                            date(2026, 12, 1), "20261201ABCD1234", now=now)
    db.session.commit()
    assert result.outcome == "paid" and result.invoice.id == invoice.id
    db.session.refresh(invoice)
    db.session.refresh(other)
    assert invoice.status == "paid" and invoice.amount_paid == Decimal("42.60")
    assert invoice.missing == 0 and invoice.paid_at is not None
    assert other.status == "open" and other.amount_paid == 0

    # The same bank transfer again (its archive ID) is a duplicate: nothing changes.
    again = services.register_bank_payment(finance, invoice.reference_number, Decimal("42.60"),
                                           date(2026, 12, 1), "20261201ABCD1234", now=now)
    assert again.outcome == "duplicate" and again.payment is None
    # Another payment to a paid invoice is refused.
    with pytest.raises(Conflict) as refused:
        services.register_bank_payment(finance, invoice.reference_number, Decimal("42.60"),
                                       date(2026, 12, 2), now=now)
    assert refused.value.code == "already_paid"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(BankPayment)) == 1
    paid_entries = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "bank_payment_registered"))
    assert paid_entries == 1


def test_the_rf_form_finds_the_same_invoice(now, finance):
    invoice = invoiced(now)
    rf = rf_reference(invoice.reference_number)
    result = services.register_bank_payment(finance, rf.lower(), Decimal("42.60"),
                                            date(2026, 12, 1), now=now)
    assert result.invoice.id == invoice.id and result.outcome == "paid"


def test_a_partial_payment_leaves_the_invoice_open_showing_what_is_missing(now, finance):
    invoice = invoiced(now)
    first = services.register_bank_payment(finance, invoice.reference_number, Decimal("40.00"),
                                           date(2026, 12, 1), "A1", now=now)
    assert first.outcome == "partly_paid"
    assert invoice.status == "open" and invoice.missing == Decimal("2.60")
    second = services.register_bank_payment(finance, invoice.reference_number, Decimal("2.60"),
                                            date(2026, 12, 3), "A2", now=now)
    assert second.outcome == "paid" and invoice.status == "paid" and invoice.missing == 0


@pytest.mark.parametrize(
    ("reference", "error", "code"),
    [
        ("12345673", InvalidInput, "invalid_reference"),
        ("viite", InvalidInput, "invalid_reference"),
        ("1232", NotFound, "reference_not_found"),
    ],
)
def test_a_wrong_reference_is_refused_clearly(now, finance, reference, error, code):
    invoiced(now)
    with pytest.raises(error) as raised:
        services.register_bank_payment(finance, reference, Decimal("1.00"), date(2026, 12, 1),
                                       now=now)
    assert raised.value.code == code and raised.value.field == "reference"


def test_only_finance_registers_payments(now):
    invoice = invoiced(now)
    member = factories.member(invoice.organisation)
    with pytest.raises(PermissionDenied):
        services.register_bank_payment(member, invoice.reference_number, Decimal("42.60"),
                                       date(2026, 12, 1), now=now)


@pytest.mark.parametrize("raw", ["0", "-5", "abc", "1.005", "NaN", "Infinity", "", "2000000"])
def test_bad_amounts_are_refused(raw):
    with pytest.raises(InvalidInput):
        services.parse_bank_amount(raw)


@pytest.mark.parametrize(("raw", "amount"), [("1 234,50", "1234.50"), ("42.6", "42.60"),
                                              ("42,60", "42.60")])
def test_amounts_in_finnish_or_dot_form(raw, amount):
    assert services.parse_bank_amount(raw) == Decimal(amount)


def test_a_csv_of_several_payments(now, finance):
    one, two, three = invoiced(now), invoiced(now), invoiced(now)
    content = (
        "\ufeffviite;summa;maksupäivä;arkistointitunnus\r\n"
        f"{one.reference_number};42,60;1.12.2026;ARK1\r\n"
        f"{rf_reference(two.reference_number)};20,00;2026-12-01;ARK2\r\n"
        f"{one.reference_number};42,60;1.12.2026;ARK1\r\n"
        "12345673;10,00;1.12.2026;ARK3\r\n"
        f"{three.reference_number};kymppi;1.12.2026;ARK4\r\n"
        "\r\n"
    ).encode()
    results = services.register_bank_payments_csv(finance, content, now=now)
    db.session.commit()
    assert [(r.line, r.outcome) for r in results] == [
        (2, "paid"), (3, "partly_paid"), (4, "duplicate"), (5, "error"), (6, "error")]
    assert results[3].message.startswith("This is not a valid reference number")
    for invoice in (one, two, three):
        db.session.refresh(invoice)
    assert one.status == "paid" and two.status == "open" and two.missing == Decimal("22.60")
    assert three.amount_paid == 0
    assert db.session.scalar(select(func.count()).select_from(BankPayment)) == 2


@pytest.mark.parametrize("content", [b"", b"a,b,c\r\n1,2,3\r\n", b"\xff\xfe\x00"])
def test_a_csv_without_the_needed_columns_is_refused(finance, content):
    with pytest.raises(InvalidInput) as raised:
        services.register_bank_payments_csv(finance, content)
    assert raised.value.field == "file"
