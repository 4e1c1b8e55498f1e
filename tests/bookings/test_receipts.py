"""Travel receipts of work reports: the people who check them can open them, nobody else can,
and a report that fails leaves no file behind (issue 11, point 11)."""

from __future__ import annotations

import io
import os
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.bookings import completion
from app.bookings.models import Assignment
from app.extensions import db
from app.payouts.models import PayoutItem
from tests import factories

RECEIPT = b"%PDF-1.4\n% bus ticket 12,40 EUR\n"


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    """A fresh upload folder for this test; returns its receipts folder."""
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    return tmp_path / "uploads" / "receipts"


def stored_receipts(folder) -> list[str]:
    return sorted(os.listdir(folder)) if folder.exists() else []


@pytest.fixture
def past_work(now):
    """An expert booked for work that took place yesterday; the assignment is not reported."""
    organiser = factories.member(is_admin=True)
    start = (now - timedelta(days=1)).replace(minute=0, second=0)
    order = factories.order(organiser.membership.organisation, created_by=organiser,
                            sessions=[(start, 45)], status="filled")
    expert = factories.expert()
    (assignment,) = factories.booking(order, expert)
    db.session.commit()
    return {"assignment_id": assignment.id, "expert": expert.user.email,
            "organiser": organiser.email, "start": start}


def report_form(receipt: bytes | None = RECEIPT, **fields) -> dict:
    data = {"duration_minutes": "45", "public_transport_eur": "12,40", "action": "send"}
    if receipt is not None:
        data["receipt"] = (io.BytesIO(receipt), "bussilippu.pdf")
    data.update(fields)
    return data


def send_report(client, login, work, **fields):
    login(client, work["expert"])
    return client.post(f"/expert/work/assignments/{work['assignment_id']}/report",
                       data=report_form(**fields), content_type="multipart/form-data")


def receipt_url(work) -> str:
    return f"/work-reports/{work['assignment_id']}/receipt"


def test_coordinator_and_finance_open_the_receipt_and_the_read_is_audited(
        app, client, login, past_work, uploads):
    assert send_report(client, login, past_work).status_code == 302
    assert len(stored_receipts(uploads)) == 1
    client.post("/logout")
    for role in ("coordinator", "finance"):
        reader = factories.user(role)
        db.session.commit()
        login(client, reader.email)
        response = client.get(receipt_url(past_work))
        assert response.status_code == 200, role
        assert response.data == RECEIPT
        assert response.mimetype == "application/pdf"
        assert "no-store" in response.headers["Cache-Control"]
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "receipt_opened", AuditEntry.actor_id == reader.id,
            AuditEntry.subject_id == str(past_work["assignment_id"]))) == 1
        client.post("/logout")


def test_the_expert_opens_their_own_receipt(client, login, past_work, uploads):
    send_report(client, login, past_work)
    response = client.get(receipt_url(past_work))
    assert response.status_code == 200 and response.data == RECEIPT


@pytest.mark.parametrize("who", ["other_expert", "organiser", "other_member", "admin"])
def test_nobody_else_opens_the_receipt(client, login, past_work, uploads, who):
    send_report(client, login, past_work)
    client.post("/logout")
    email = {
        "other_expert": lambda: factories.expert().user.email,
        "organiser": lambda: past_work["organiser"],
        "other_member": lambda: factories.member().email,
        "admin": lambda: factories.user("admin").email,
    }[who]()
    db.session.commit()
    login(client, email)
    response = client.get(receipt_url(past_work))
    assert response.status_code in (403, 404)
    assert RECEIPT not in response.data


def test_no_receipt_is_404_for_a_coordinator(client, login, past_work, uploads):
    send_report(client, login, past_work, receipt=None)
    client.post("/logout")
    coordinator = factories.user("coordinator")
    db.session.commit()
    login(client, coordinator.email)
    assert client.get(receipt_url(past_work)).status_code == 404
    assert client.get("/work-reports/999999/receipt").status_code == 404


def test_finance_sees_a_link_to_the_receipt_on_the_payout(client, login, past_work, uploads):
    send_report(client, login, past_work)
    client.post("/logout")
    login(client, past_work["organiser"])
    confirmed = client.post(
        f"/organisation/orders/{db.session.get(Assignment, past_work['assignment_id']).order_id}"
        f"/assignments/{past_work['assignment_id']}", data={"answer": "confirm"})
    assert confirmed.status_code == 302
    client.post("/logout")
    finance = factories.user("finance")
    db.session.commit()
    login(client, finance.email)
    item_id = db.session.scalar(select(PayoutItem.id).where(
        PayoutItem.assignment_id == past_work["assignment_id"]))
    page = client.get(f"/finance/payouts/{item_id}").get_data(as_text=True)
    assert receipt_url(past_work) in page


def test_a_report_refused_by_the_service_leaves_no_file(client, login, past_work, uploads):
    assert send_report(client, login, past_work).status_code == 302
    kept = stored_receipts(uploads)
    # Sending again is refused (already reported): the second receipt must not stay on disk.
    again = send_report(client, login, past_work, receipt=b"%PDF-1.4\n% second\n")
    assert again.status_code in (200, 409, 422)  # the page again, with the error
    assert stored_receipts(uploads) == kept


def test_a_report_of_work_not_yet_started_leaves_no_file(client, login, now, uploads):
    organiser = factories.member(is_admin=True)
    order = factories.order(organiser.membership.organisation, created_by=organiser,
                            status="filled")
    expert = factories.expert()
    (assignment,) = factories.booking(order, expert)
    db.session.commit()
    work = {"assignment_id": assignment.id, "expert": expert.user.email}
    assert send_report(client, login, work).status_code in (200, 409, 422)
    assert stored_receipts(uploads) == []


def test_a_report_whose_transaction_breaks_leaves_no_file(app, client, login, past_work,
                                                           uploads, monkeypatch):
    def broken_mail(*args, **kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(completion, "queue_mail", broken_mail)
    with pytest.raises(RuntimeError):
        send_report(client, login, past_work)
    assert stored_receipts(uploads) == []
    assert db.session.get(Assignment, past_work["assignment_id"]).report is None
