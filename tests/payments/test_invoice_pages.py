"""Invoice pages: organisations see only their own invoices; finance sees all, records payments."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.admin.services import get_choice_setting
from app.audit.models import AuditEntry
from app.extensions import db
from app.payments import services
from app.payments.models import Invoice
from tests import factories
from tests.payments.helpers import confirmed_work


@pytest.fixture(autouse=True)
def _english(client):
    client.get("/language/en")


def invoiced(now, organisation=None, **work):
    """Confirmed work of ``organisation`` put on an invoice by a run; returns the invoice."""
    order, _assignment, _lines = confirmed_work(now, organisation, **work)
    services.run_invoicing(now)
    invoice = db.session.scalar(select(Invoice).where(Invoice.order_id == order.id))
    assert invoice is not None
    return invoice


@pytest.fixture
def two_organisations(now):
    org_a = factories.organisation(name="Organisaatio A", billing_email="laskut@a.fi")
    org_b = factories.organisation(name="Organisaatio B", einvoice_address="003712345678")
    members = factories.member(org_a), factories.member(org_b)
    db.session.commit()
    return org_a, org_b, members


def test_an_organisation_sees_its_own_invoices_with_plain_status(client, login, now,
                                                                 two_organisations):
    org_a, org_b, (member_a, _member_b) = two_organisations
    own = invoiced(now, org_a, billing_reference="Hanke 7")
    other = invoiced(now, org_b)
    login(client, member_a.email)
    page = client.get("/organisation/invoices").get_data(as_text=True)
    assert own.number in page and other.number not in page
    assert "Waiting for payment" in page  # INVOICE_STATUS["open"], not the code
    assert "by e-mail to laskut@a.fi" in page
    assert "<caption>" in page and 'scope="col"' in page

    detail = client.get(f"/organisation/invoices/{own.id}")
    assert detail.status_code == 200
    text = detail.get_data(as_text=True)
    assert "Hanke 7" in text and own.lines[0].description in text


def test_another_organisations_invoice_is_not_found(client, login, now, two_organisations):
    org_a, org_b, (member_a, member_b) = two_organisations
    other = invoiced(now, org_b)
    login(client, member_a.email)
    assert client.get(f"/organisation/invoices/{other.id}").status_code == 404
    assert client.get("/organisation/invoices/999999").status_code == 404
    client.post("/logout")
    login(client, member_b.email)
    page = client.get(f"/organisation/invoices/{other.id}").get_data(as_text=True)
    assert "as an e-invoice to 003712345678" in page


def test_a_draft_is_not_shown_to_the_organisation(client, login, now, two_organisations):
    org_a, _org_b, (member_a, _member_b) = two_organisations
    order, _assignment, _lines = confirmed_work(now, org_a)
    services.create_due_invoices(now)
    db.session.commit()
    draft = db.session.scalar(select(Invoice).where(Invoice.order_id == order.id))
    login(client, member_a.email)
    assert draft.number not in client.get("/organisation/invoices").get_data(as_text=True)
    assert client.get(f"/organisation/invoices/{draft.id}").status_code == 404


def test_an_issued_stripe_invoice_shows_its_payment_link(client, login, stripe_on, now,
                                                          two_organisations):
    org_a, _org_b, (member_a, _member_b) = two_organisations
    invoice = invoiced(now, org_a)
    assert invoice.hosted_invoice_url
    login(client, member_a.email)
    page = client.get("/organisation/invoices").get_data(as_text=True)
    assert f'href="{invoice.hosted_invoice_url}"' in page
    assert f"Pay invoice {invoice.number} online" in page


@pytest.mark.parametrize("role", ["expert", "coordinator", "organisation_member"])
def test_finance_pages_are_for_finance(client, login, now, role):
    invoice = invoiced(now)
    user = factories.expert().user if role == "expert" else factories.user(role)
    db.session.commit()
    login(client, user.email)
    assert client.get("/finance/invoices").status_code == 403
    assert client.get(f"/finance/invoices/{invoice.id}").status_code == 403
    assert client.post(f"/finance/invoices/{invoice.id}/paid").status_code == 403
    db.session.refresh(invoice)
    assert invoice.status == "open"


@pytest.mark.parametrize("role", ["finance", "coordinator"])
def test_staff_have_no_organisation_invoice_page(client, login, role):
    login(client, factories.user(role).email)
    assert client.get("/organisation/invoices").status_code == 403


def test_finance_sees_all_invoices_and_filters_by_status(client, login, now):
    open_invoice, paid_invoice = invoiced(now), invoiced(now)
    paid_invoice.status = "paid"
    finance = factories.user("finance")
    db.session.commit()
    login(client, finance.email)
    page = client.get("/finance/invoices").get_data(as_text=True)
    assert open_invoice.number in page and paid_invoice.number in page
    assert '<label for="status">' in page
    page = client.get("/finance/invoices?status=paid").get_data(as_text=True)
    assert paid_invoice.number in page and open_invoice.number not in page
    page = client.get("/finance/invoices?status=bogus").get_data(as_text=True)
    assert open_invoice.number in page and paid_invoice.number in page


def test_finance_marks_a_manual_invoice_paid(client, login, now):
    invoice = invoiced(now)
    assert invoice.manual and invoice.status == "open"
    finance = factories.user("finance")
    db.session.commit()
    login(client, finance.email)
    page = client.get(f"/finance/invoices/{invoice.id}").get_data(as_text=True)
    assert f"Mark invoice {invoice.number} paid" in page
    response = client.post(f"/finance/invoices/{invoice.id}/paid")
    assert response.status_code == 302
    db.session.refresh(invoice)
    assert invoice.status == "paid" and invoice.paid_at is not None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "invoice_marked_paid",
                                                       AuditEntry.subject_id == str(invoice.id)))
    assert entry.actor_id == finance.id
    # Marking it again is refused with a message, and nothing changes.
    response = client.post(f"/finance/invoices/{invoice.id}/paid", follow_redirects=True)
    assert "not waiting for payment" in response.get_data(as_text=True)
    assert client.post("/finance/invoices/999999/paid").status_code == 404


def test_finance_records_a_bank_transfer_of_a_stripe_invoice_in_stripe_too(
        client, login, stripe_on, now):
    invoice = invoiced(now, fee=Decimal("20.00"), travel=Decimal("0.00"))
    finance = factories.user("finance")
    db.session.commit()
    login(client, finance.email)
    assert client.post(f"/finance/invoices/{invoice.id}/paid").status_code == 302
    db.session.refresh(invoice)
    assert invoice.status == "paid"
    remote = stripe_on.client().v1.invoices.retrieve(invoice.stripe_invoice_id)
    assert remote.status == "paid" and remote.paid_out_of_band is True


def test_navigation_links(client, login, now):
    member = factories.member()
    finance = factories.user("finance")
    db.session.commit()
    login(client, member.email)
    assert 'href="/organisation/invoices"' in client.get("/organisation/").get_data(as_text=True)
    client.post("/logout")
    login(client, finance.email)
    assert 'href="/finance/invoices"' in client.get("/finance/").get_data(as_text=True)


def test_the_administrator_chooses_the_invoice_grouping(client, login):
    admin = factories.user("admin")
    db.session.commit()
    login(client, admin.email)
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "<legend>" in page and 'value="monthly"' in page
    data = {"late_cancellation_hours": "48", "invitation_hours": "48", "payment_term_days": "14"}
    assert client.post("/admin/settings", data={**data, "invoice_grouping": "monthly"}) \
        .status_code == 302
    assert get_choice_setting("invoice_grouping") == "monthly"
    assert client.post("/admin/settings", data={**data, "invoice_grouping": "weekly"}) \
        .status_code == 422
    assert client.post("/admin/settings", data=data).status_code == 302  # left out: kept
    assert get_choice_setting("invoice_grouping") == "monthly"
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "setting_changed", AuditEntry.subject_id == "invoice_grouping"))
    assert entry.details == {"old": "", "new": "monthly"}


def test_invoice_dates_are_shown(client, login, now, two_organisations):
    org_a, _org_b, (member_a, _member_b) = two_organisations
    invoice = invoiced(now, org_a)
    login(client, member_a.email)
    client.get("/language/fi")
    page = client.get(f"/organisation/invoices/{invoice.id}").get_data(as_text=True)
    due = invoice.due_date
    assert f"{due.day}.{due.month}.{due.year}" in page
    assert invoice.due_date - invoice.invoice_date == timedelta(days=14)
