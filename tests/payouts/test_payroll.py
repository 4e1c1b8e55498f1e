"""The payroll file: one row per income component, wage types, two formats, reconciled
with the bank file; the payment date follows the batch; identity codes only for finance.

The amounts are worked out by hand in the fixture's docstring.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.common.errors import InvalidInput, PermissionDenied
from app.extensions import db
from app.fees.rules import TravelClaim
from app.fees.services import quote
from app.payouts import payroll, services
from app.payouts.models import PayoutComponent, WageType
from tests import factories
from tests.payouts.helpers import approved, expert_with_iban, finance_user, helsinki, payout

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}


def priced_payout(expert, starts_at, assignment_type, minutes, **travel):
    """A payout item priced by the fee engine like a confirmed report, lines included."""
    order = factories.order(sessions=[(starts_at, minutes)], status="filled", remote=False,
                            assignment_type_code=assignment_type)
    (assignment,) = factories.booking(order, expert, status="confirmed")
    priced = quote(assignment_type, minutes, starts_at.date(), remote=False,
                   travel=TravelClaim.from_mapping(travel))
    return services.create_payout_item(
        assignment, fee=priced.fee, travel=priced.travel, per_diem=priced.per_diem,
        fee_schedule_id=None, prepared_by_id=expert.user_id, now=starts_at, lines=priced.lines)


@pytest.fixture
def batch_of_three(now):
    """Three items of two experts, priced by the engine.

    Aino (20 %): lecture 45 min in 2023: fee 30.00 (withholding 6.00); 555.05 km with
    3 passengers = 555.05 × (0.53 + 3 × 0.04) = 360.7825 -> 360.78, split into the
    kilometre allowance 555.05 × 0.53 = 294.1765 -> 294.18 and the supplement
    360.78 - 294.18 = 66.60; parking 6.00; partial allowance 22.00 halved = 11.00.
    Net 24.00 + 366.78 + 11.00 = 401.78.
    Aino: meeting 200 min in 2026: 2 × 20.00 = 40.00 (withholding 8.00); tickets 12.40;
    full allowance 54.00. Net 32.00 + 12.40 + 54.00 = 98.40.
    Bertil (no tax card, 60 %): group guidance 60 min in 2026: 15.00 (withholding 9.00);
    84 km with 1 passenger = 84 × 0.59 = 49.56 = 46.20 + 3.36. Net 6.00 + 49.56 = 55.56.
    CtrlSum 401.78 + 98.40 + 55.56 = 555.74; withholdings 23.00; amounts 578.74.
    """
    aino = expert_with_iban(0, withholding_percent=Decimal("20"), full_name="Aino Ääninen",
                            identity_code="131052-308T")
    bertil = expert_with_iban(1, full_name="Bertil Öhman", identity_code="010594Y9021")
    items = [
        priced_payout(aino, helsinki(2023, 6, 1), "lecture", 45, km_driven="555.05",
                      passengers=3, parking_eur="6.00", one_way_km="250", trip_hours="7",
                      free_meals=1),
        priced_payout(aino, helsinki(2026, 3, 5), "meeting", 200, public_transport_eur="12.40",
                      one_way_km="40", trip_hours="11"),
        priced_payout(bertil, helsinki(2026, 3, 6), "group_guidance", 60, km_driven="84",
                      passengers=1),
    ]
    approver = finance_user()
    approved(items, approver, now)
    batch = services.create_batch(approver, None, now)
    return approver, batch, items


def read_fi(content: bytes) -> list[dict[str, str]]:
    assert content.startswith("\ufeff".encode())  # the BOM that tells Excel it is UTF-8
    text = content.decode("utf-8-sig")
    assert text.count("\r\n") == text.count("\n")  # CRLF only
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


def fi_decimal(text: str) -> Decimal:
    assert "." not in text
    return Decimal(text.replace(",", "."))


def test_components_are_stored_with_the_item(batch_of_three):
    _approver, _batch, (first, _second, third) = batch_of_three
    rows = [(c.component, c.quantity, c.rate, c.amount, c.withholding, c.net, c.halved)
            for c in first.components]
    assert rows == [
        ("fee", Decimal(1), Decimal("30.0000"), Decimal("30.00"), Decimal("6.00"),
         Decimal("24.00"), False),
        ("kilometre_allowance", Decimal("555.05"), Decimal("0.5300"), Decimal("294.18"),
         Decimal("0.00"), Decimal("294.18"), False),
        ("passenger_supplement", Decimal("1665.15"), Decimal("0.0400"), Decimal("66.60"),
         Decimal("0.00"), Decimal("66.60"), False),
        ("parking", None, None, Decimal("6.00"), Decimal("0.00"), Decimal("6.00"), False),
        ("daily_allowance_partial", Decimal("0.50"), Decimal("22.0000"), Decimal("11.00"),
         Decimal("0.00"), Decimal("11.00"), True),
    ]
    assert first.components[0].assignment_type == "lecture"
    assert (first.fee, first.travel, first.per_diem, first.total_paid) == (
        Decimal("30.00"), Decimal("366.78"), Decimal("11.00"), Decimal("401.78"))
    assert [c.amount for c in third.components] == [
        Decimal("15.00"), Decimal("46.20"), Decimal("3.36")]


def test_finnish_payroll_file_reconciles_with_the_bank_file(batch_of_three, client, login):
    approver, batch, items = batch_of_three
    db.session.commit()
    login(client, approver.email)
    response = client.get(f"/finance/batches/{batch.id}/payroll.csv?format=fi")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = read_fi(response.get_data())
    assert len(rows) == 11
    by_component = [(r["Tulolaji"], r["Palkkalaji"], r["Summa"]) for r in rows]
    assert by_component == [
        ("fee", "1101", "30,00"), ("kilometre_allowance", "3010", "294,18"),
        ("passenger_supplement", "3011", "66,60"), ("parking", "3021", "6,00"),
        ("daily_allowance_partial", "3032", "11,00"),
        ("fee", "1102", "40,00"), ("public_transport", "3020", "12,40"),
        ("daily_allowance_full", "3031", "54,00"),
        ("fee", "1103", "15,00"), ("kilometre_allowance", "3010", "46,20"),
        ("passenger_supplement", "3011", "3,36"),
    ]
    first = rows[0]
    assert first["Saajan nimi"] == "Aino Ääninen"
    assert first["Saajan henkilötunnus"] == "131052-308T"
    assert rows[-1]["Saajan henkilötunnus"] == "010594Y9021"
    assert first["Erän viite"] == batch.sepa_message_id
    assert first["Maksupäivä"] == "20.3.2026"
    assert first["Työpäivä"] == "1.6.2023"
    assert (first["Määrä"], first["Hinta"], first["Ennakonpidätys"], first["Netto"]) == (
        "1", "30,00", "6,00", "24,00")
    assert (rows[1]["Määrä"], rows[1]["Hinta"]) == ("555,05", "0,53")
    assert rows[4]["Puolitettu ilmaisten aterioiden vuoksi"] == "kyllä"
    assert rows[0]["Puolitettu ilmaisten aterioiden vuoksi"] == "ei"

    header = ElementTree.fromstring(batch.sepa_xml.encode()).find("p:CstmrCdtTrfInitn/p:GrpHdr",
                                                                   NS)
    ctrl_sum = Decimal(header.find("p:CtrlSum", NS).text)
    amounts = sum(fi_decimal(r["Summa"]) for r in rows)
    withholdings = sum(fi_decimal(r["Ennakonpidätys"]) for r in rows)
    nets = sum(fi_decimal(r["Netto"]) for r in rows)
    assert ctrl_sum == Decimal("555.74") == nets
    assert withholdings == Decimal("23.00") == sum(i.withholding for i in items)
    assert amounts == ctrl_sum + withholdings == Decimal("578.74")


def test_machine_payroll_file_through_the_api(batch_of_three, client, api_token):
    approver, batch, _items = batch_of_three
    db.session.commit()
    headers = {"Authorization": f"Bearer {api_token(client, approver.email)}"}
    response = client.get(f"/api/v1/payout-batches/{batch.id}/payroll", headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    content = response.get_data()
    assert not content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8"), newline="")))
    assert [r["amount"] for r in rows[:3]] == ["30.00", "294.18", "66.60"]
    assert rows[0]["payment_date"] == "2026-03-20"
    assert rows[0]["payee_identity_code"] == "131052-308T"
    assert rows[4]["halved_for_free_meals"] == "1"
    assert sum(Decimal(r["net"]) for r in rows) == batch.total_net
    assert sum(Decimal(r["amount"]) for r in rows) == batch.total_net + sum(
        Decimal(r["withholding"]) for r in rows) == Decimal("578.74")
    fi = client.get(f"/api/v1/payout-batches/{batch.id}/payroll?format=fi", headers=headers)
    assert len(read_fi(fi.get_data())) == len(rows)
    wrong = client.get(f"/api/v1/payout-batches/{batch.id}/payroll?format=xlsx",
                       headers=headers)
    assert wrong.status_code == 422
    assert wrong.get_json()["error"]["field"] == "format"


def test_payment_date_follows_the_batch_when_it_is_marked_paid(batch_of_three):
    approver, batch, _items = batch_of_three
    assert batch.execution_date == date(2026, 3, 20)
    services.mark_batch_paid(approver, batch.id, helsinki(2026, 3, 24, 9))
    assert batch.execution_date == date(2026, 3, 24)
    _batch, content = services.payroll_file(approver, batch.id, "machine")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8"), newline="")))
    assert {r["payment_date"] for r in rows} == {"2026-03-24"}


def test_every_identity_code_read_for_the_payroll_is_audited(batch_of_three):
    approver, batch, items = batch_of_three
    services.payroll_file(approver, batch.id, "fi")
    reads = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "identity_code_read")).all()
    assert sorted(int(e.subject_id) for e in reads) == sorted({i.expert_id for i in items})
    assert {e.actor_id for e in reads} == {approver.id}
    assert all(e.details["purpose"] == "payroll" for e in reads)


def test_only_finance_gets_the_payroll_file(batch_of_three, client, login):
    _approver, batch, _items = batch_of_three
    admin = factories.user("admin")
    with pytest.raises(PermissionDenied):
        services.payroll_file(admin, batch.id, "fi")
    db.session.commit()
    login(client, admin.email)
    assert client.get(f"/finance/batches/{batch.id}/payroll.csv").status_code == 403
    page = client.get(f"/finance/batches/{batch.id}")
    assert page.status_code == 200
    assert "payroll.csv" not in page.get_data(as_text=True)


def test_an_edited_wage_type_is_used(batch_of_three):
    approver, batch, _items = batch_of_three
    db.session.scalar(select(WageType).where(WageType.component == "kilometre_allowance")
                      ).code = "KM-9"
    _batch, content = services.payroll_file(approver, batch.id, "machine")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8"), newline="")))
    assert [r["wage_type"] for r in rows if r["component"] == "kilometre_allowance"] == [
        "KM-9", "KM-9"]


def test_a_correction_recreates_the_components(now):
    item = priced_payout(expert_with_iban(2), helsinki(2026, 3, 6), "lecture", 45,
                         km_driven="84", parking_eur="5.00", one_way_km="40", trip_hours="7")
    assert [c.component for c in item.components] == [
        "fee", "kilometre_allowance", "parking", "daily_allowance_partial"]
    corrector = finance_user()
    services.edit_payout_item(corrector, item.id, "40.00", "25.00", "Parking had no receipt")
    db.session.expire_all()
    components = db.session.scalars(select(PayoutComponent).where(
        PayoutComponent.payout_item_id == item.id).order_by(PayoutComponent.position)).all()
    assert [(c.component, c.amount) for c in components] == [
        ("fee", Decimal("30.00")), ("travel_correction", Decimal("40.00")),
        ("daily_allowance_partial", Decimal("25.00"))]
    assert sum(c.net for c in components) == db.session.get(type(item), item.id).total_paid


def test_experts_without_an_identity_code_are_named_and_nothing_is_batched(now):
    approver = finance_user()
    items = [payout(expert_with_iban(0, full_name="Ilman Tunnusta", identity_code=None)),
             payout(expert_with_iban(1))]
    approved(items, approver, now)
    with pytest.raises(InvalidInput) as refused:
        services.create_batch(approver, None, now)
    assert refused.value.code == "missing_identity_code"
    assert "Ilman Tunnusta" in refused.value.message % refused.value.values
    db.session.expire_all()
    assert {i.status for i in items} == {"approved"}


def test_admin_edits_the_wage_types_on_their_page(client, login):
    admin = factories.user("admin")
    db.session.commit()
    login(client, admin.email)
    page = client.get("/finance/wage-types")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="3010"' in html and 'value="1101"' in html
    form = {"wt_fee": "1100", "wt_fee__lecture": "L-1", "wt_kilometre_allowance": "bad code!"}
    refused = client.post("/finance/wage-types", data=form)
    assert refused.status_code == 422
    assert 'value="bad code!"' in refused.get_data(as_text=True)  # what was typed stays
    assert db.session.scalar(select(WageType.code).where(
        WageType.component == "fee:lecture")) == "1101"
    rows = db.session.scalars(select(WageType)).all()
    data = {"wt_" + row.component.replace(":", "__"): row.code for row in rows}
    data["wt_fee__lecture"] = "L-1"
    saved = client.post("/finance/wage-types", data=data)
    assert saved.status_code == 302
    assert db.session.scalar(select(WageType.code).where(
        WageType.component == "fee:lecture")) == "L-1"
    changes = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "wage_type_changed")).all()
    assert [(e.details["old_code"], e.details["new_code"]) for e in changes] == [("1101", "L-1")]
    finance = finance_user()
    db.session.commit()
    client.post("/logout")
    login(client, finance.email)
    assert client.get("/finance/wage-types").status_code == 403


def test_the_file_formats_by_hand():
    """Pure: one hand-made row in both formats."""
    component = payroll.Component("daily_allowance_partial", Decimal("12.50"),
                                  quantity=Decimal("0.5"), rate=Decimal("25.00"), halved=True)
    km = payroll.Component("kilometre_allowance", Decimal("44.10"), quantity=Decimal("84"),
                           rate=Decimal("0.525"))
    rows = [payroll.PayrollRow("=Mäkinen", "131052-308T", 7, 9, date(2026, 3, 5), c)
            for c in (component, km)]
    common = {"payer_business_id": "1234567-8", "batch_reference": "KP-1",
              "payment_date": date(2026, 3, 20), "wage_types": {"daily_allowance_partial": "P"}}
    fi = payroll.build_payroll_csv(rows, fmt="fi", **common)
    assert fi.startswith(b"\xef\xbb\xbf")
    lines = fi.decode("utf-8-sig").split("\r\n")
    assert lines[1] == ("1234567-8;KP-1;20.3.2026;'=Mäkinen;131052-308T;7;9;5.3.2026;"
                        "daily_allowance_partial;P;kyllä;0,5;25,00;12,50;0,00;12,50")
    assert lines[2].endswith("kilometre_allowance;;ei;84;0,525;44,10;0,00;44,10")
    assert lines[3] == ""
    machine = payroll.build_payroll_csv(rows, fmt="machine", **common).decode("utf-8")
    assert machine.split("\r\n")[1] == (
        "1234567-8,KP-1,2026-03-20,'=Mäkinen,131052-308T,7,9,2026-03-05,"
        "daily_allowance_partial,P,1,0.5,25.00,12.50,0.00,12.50")
    with pytest.raises(ValueError):
        payroll.build_payroll_csv(rows, fmt="xlsx", **common)


def test_a_fee_of_an_unlisted_type_falls_back_to_the_general_fee_code():
    fee = payroll.Component("fee", Decimal("30.00"), assignment_type="training_day")
    assert payroll.wage_type_of(fee, {"fee": "1100", "fee:lecture": "1101"}) == "1100"
    lecture = payroll.Component("fee", Decimal("30.00"), assignment_type="lecture")
    assert payroll.wage_type_of(lecture, {"fee": "1100", "fee:lecture": "1101"}) == "1101"


def test_a_code_made_with_another_key_stops_the_batch(now, app):
    from cryptography.fernet import Fernet

    from app.common.errors import Conflict
    from app.experts.identity_code import encrypt_identity_code

    approver = finance_user()
    stranger = expert_with_iban(0, full_name="Vieras Avain")
    stranger.identity_code_encrypted = encrypt_identity_code(
        "131052-308T", {"IDENTITY_CODE_KEY": Fernet.generate_key().decode()})
    items = [payout(stranger), payout(expert_with_iban(1))]
    approved(items, approver, now)
    with pytest.raises(Conflict) as refused:
        services.create_batch(approver, None, now)
    assert refused.value.code == "identity_code_unreadable"
    assert "Vieras Avain" in refused.value.message % refused.value.values
    db.session.expire_all()
    assert {i.status for i in items} == {"approved"}
