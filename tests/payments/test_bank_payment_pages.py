"""Finance's bank payment page and the printable invoice page."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.payments.models import BankPayment
from app.payments.reference_numbers import format_finnish, format_rf, rf_reference
from tests import factories
from tests.payments.test_bank_payments import invoiced


@pytest.fixture(autouse=True)
def _english(client):
    client.get("/language/en")


@pytest.fixture
def finance(client, login):
    user = factories.user("finance")
    db.session.commit()
    login(client, user.email)
    return user


def test_the_invoice_page_has_what_a_bank_transfer_needs(client, login, now):
    organisation = factories.organisation(einvoice_address="003712345671",
                                          einvoice_operator="NDEAFIHH")
    invoice = invoiced(now, organisation, billing_reference="Hanke 7")
    member = factories.member(organisation)
    db.session.commit()
    login(client, member.email)
    page = client.get(f"/organisation/invoices/{invoice.id}").get_data(as_text=True)
    assert format_finnish(invoice.reference_number) in page
    assert format_rf(rf_reference(invoice.reference_number)) in page
    assert "FI21 1234 5600 0007 85" in page and "NDEAFIHH" in page  # the bank's IBAN and BIC
    assert "Hanke 7" in page and "003712345671" in page
    assert "AVL 34 §" in page
    assert invoice.due_date.strftime("%Y") in page


def test_the_invoice_page_shows_vat_per_line(client, login, now, app):
    app.config["INVOICE_VAT_PERCENT"] = "25.5"
    try:
        invoice = invoiced(now, fee=Decimal("30.00"), travel=Decimal("0.00"))
    finally:
        app.config["INVOICE_VAT_PERCENT"] = ""
    member = factories.member(invoice.organisation)
    db.session.commit()
    login(client, member.email)
    page = client.get(f"/organisation/invoices/{invoice.id}").get_data(as_text=True)
    assert "25.5 %" in page and "€7.65" in page and "€37.65" in page
    assert "AVL 34" not in page


def test_finance_registers_one_payment_and_sees_what_is_missing(client, finance, now):
    invoice = invoiced(now)
    page = client.get("/finance/bank-payments")
    assert page.status_code == 200
    response = client.post("/finance/bank-payments", data={
        "reference": format_finnish(invoice.reference_number), "amount": "40,00",
        "paid_on": "1.12.2026", "archive_id": "ARK-1"}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert f"Invoice {invoice.number} is partly paid. Still missing: €2.60." in text
    detail = client.get(f"/finance/invoices/{invoice.id}").get_data(as_text=True)
    assert "Still missing" in detail and "€2.60" in detail
    listing = client.get("/finance/invoices").get_data(as_text=True)
    assert "(missing €2.60)" in listing


def test_the_organisations_list_says_how_to_pay_by_transfer(client, login, now):
    invoice = invoiced(now)
    member = factories.member(invoice.organisation)
    db.session.commit()
    login(client, member.email)
    page = client.get("/organisation/invoices").get_data(as_text=True)
    assert ("Pay by bank transfer with the reference number "
            f"{format_finnish(invoice.reference_number)}.") in page


def test_a_wrong_reference_keeps_what_was_typed(client, finance, now):
    invoiced(now)
    response = client.post("/finance/bank-payments", data={
        "reference": "12345673", "amount": "12,50", "paid_on": "1.12.2026", "archive_id": ""})
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This is not a valid reference number" in text
    assert 'value="12345673"' in text and 'value="12,50"' in text
    response = client.post("/finance/bank-payments", data={
        "reference": "1232", "amount": "abc", "paid_on": "yesterday"})
    assert "Give the amount in euros" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(BankPayment)) == 0


def test_finance_uploads_a_csv_of_payments(client, finance, now):
    one, two = invoiced(now), invoiced(now)
    content = (f"reference,amount,paid_on,archive_id\n{one.reference_number},42.60,2026-12-01,A1\n"
               f"{two.reference_number},42.60,2026-12-01,A1\n").encode()
    response = client.post("/finance/bank-payments/file", data={
        "file": (io.BytesIO(content), "payments.csv")}, content_type="multipart/form-data")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"Invoice {one.number} is paid." in text
    assert f"already registered to invoice {one.number}" in text
    db.session.refresh(one)
    db.session.refresh(two)
    assert one.status == "paid" and two.status == "open"
    response = client.post("/finance/bank-payments/file", data={
        "file": (io.BytesIO(b"x;y\n1;2\n"), "bad.csv")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "The first row must name the columns" in response.get_data(as_text=True)
    response = client.post("/finance/bank-payments/file", data={},
                           content_type="multipart/form-data")
    assert response.status_code == 422


@pytest.mark.parametrize("role", ["coordinator", "expert", "organisation_member"])
def test_only_finance_has_the_bank_payment_pages(client, login, role):
    user = factories.member() if role == "organisation_member" else factories.user(role)
    db.session.commit()
    login(client, user.email)
    assert client.get("/finance/bank-payments").status_code == 403
    assert client.post("/finance/bank-payments/file").status_code in (400, 403)
