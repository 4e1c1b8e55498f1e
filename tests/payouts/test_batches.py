"""Payout batches: the pain.001 and payroll CSV, whole or not at all, paid once."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import pytest
import xmlschema
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.common.errors import Conflict, InvalidInput
from app.extensions import db
from app.mail.models import OutboxMessage
from app.payouts import exports, services
from app.payouts.models import PayoutBatch, PayoutItem
from app.payouts.states import PAYOUT_ITEM
from tests.payouts.helpers import (
    BANK_BIC,
    BANK_IBAN,
    EXPERT_IBANS,
    approved,
    expert_with_iban,
    finance_user,
    helsinki,
    payout,
)

XSD = Path(__file__).with_name("pain.001.001.03.xsd")
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}


@pytest.fixture(scope="module")
def schema():
    return xmlschema.XMLSchema(str(XSD))


@pytest.fixture
def approver():
    return finance_user()


@pytest.fixture
def three_experts():
    """Three experts with different tax cards; the first and third have two items each."""
    experts = [expert_with_iban(0, withholding_percent=Decimal("20"), full_name="Aino Ääninen"),
               expert_with_iban(1, full_name="Bertil Öhman"),
               expert_with_iban(3, withholding_percent=Decimal("12.5"), full_name="Carla Weiß")]
    items = [
        payout(experts[0], starts_at=helsinki(2026, 3, 2), fee="30.00", travel="46.20"),
        payout(experts[0], starts_at=helsinki(2026, 3, 5), fee="20.00", per_diem="25.00"),
        payout(experts[1], starts_at=helsinki(2026, 3, 6), fee="45.00", travel="10.10"),
        payout(experts[2], starts_at=helsinki(2026, 3, 7), fee="15.00"),
        payout(experts[2], starts_at=helsinki(2026, 3, 8), fee="30.00", travel="0.35",
               per_diem="51.00"),
    ]
    return experts, items


def batch_count() -> int:
    return db.session.scalar(select(func.count()).select_from(PayoutBatch))


def statuses(items) -> list[str]:
    """Fresh from the database; ``items`` are payout items or their ids."""
    ids = [i if isinstance(i, int) else i.id for i in items]
    db.session.expire_all()
    return [db.session.get(PayoutItem, i).status for i in ids]


def test_batch_exports_a_valid_pain001_with_one_net_payment_per_expert(
        now, approver, three_experts, schema):
    experts, items = three_experts
    approved(items, approver, now)
    batch = services.create_batch(approver, None, now)
    assert statuses(items) == ["in_batch"] * 5
    assert all(db.session.get(PayoutItem, i.id).batch_id == batch.id for i in items)

    schema.validate(batch.sepa_xml)  # raises if the file does not follow pain.001.001.03
    root = ElementTree.fromstring(batch.sepa_xml.encode())
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    transactions = root.findall(".//p:CdtTrfTxInf", NS)
    per_expert = {e.id: sum((i.total_paid for i in items if i.expert_id == e.id),
                            Decimal("0.00")) for e in experts}
    # By hand: Aino 24.00+46.20 + 16.00+25.00 = 111.20; Bertil 60 % of 45: 18.00+10.10 = 28.10;
    # Carla 12.5 %: 15.00-1.88 (1.875 rounds half up) + 26.25+0.35+51.00 = 90.72.
    assert sorted(per_expert.values()) == [Decimal("28.10"), Decimal("90.72"), Decimal("111.20")]
    assert header.find("p:NbOfTxs", NS).text == "3"
    assert Decimal(header.find("p:CtrlSum", NS).text) == sum(per_expert.values())
    assert batch.total_net == Decimal("230.02") == sum(per_expert.values())
    assert header.find("p:MsgId", NS).text == batch.sepa_message_id
    amounts = sorted(Decimal(t.find("p:Amt/p:InstdAmt", NS).text) for t in transactions)
    assert amounts == sorted(per_expert.values())
    assert {t.find("p:CdtrAcct/p:Id/p:IBAN", NS).text for t in transactions} == {
        EXPERT_IBANS[0], EXPERT_IBANS[1], EXPERT_IBANS[3]}
    debtor = root.find("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert debtor.find("p:DbtrAcct/p:Id/p:IBAN", NS).text == BANK_IBAN
    assert debtor.find("p:DbtrAgt/p:FinInstnId/p:BIC", NS).text == BANK_BIC
    assert Decimal(debtor.find("p:CtrlSum", NS).text) == sum(per_expert.values())
    names = {t.find("p:Cdtr/p:Nm", NS).text for t in transactions}
    assert names == {"Aino Aaninen", "Bertil Ohman", "Carla Weiss"}  # SEPA's Latin characters
    remittances = {t.find("p:RmtInf/p:Ustrd", NS).text for t in transactions}
    assert all(batch.sepa_message_id in text for text in remittances)


def test_only_chosen_items_go_into_the_batch(now, approver, three_experts):
    _, items = three_experts
    approved(items, approver, now)
    batch = services.create_batch(approver, [items[0].id, items[3].id], now)
    assert batch.item_count == 2
    assert statuses(items) == ["in_batch", "approved", "approved", "in_batch", "approved"]
    audit = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "payout_batch_created")).one()
    assert audit.actor_id == approver.id
    assert audit.details["items"] == f"{items[0].id},{items[3].id}"


def test_an_item_enters_one_batch_only(now, approver, three_experts):
    _, items = three_experts
    approved(items, approver, now)
    services.create_batch(approver, [items[0].id], now)
    with pytest.raises(Conflict) as error:
        services.create_batch(approver, [items[0].id, items[1].id], now)
    assert error.value.code == "not_approved" and str(items[0].id) in str(error.value)
    assert batch_count() == 1
    assert statuses(items[:2]) == ["in_batch", "approved"]


def test_items_not_approved_are_refused(now, approver):
    item = payout()
    with pytest.raises(Conflict) as error:
        services.create_batch(approver, [item.id], now)
    assert error.value.status == 409
    with pytest.raises(Conflict) as error:
        services.create_batch(approver, None, now)
    assert error.value.code == "nothing_to_batch"
    assert batch_count() == 0


def test_experts_without_a_valid_iban_are_all_named_and_nothing_is_batched(
        now, approver, three_experts):
    _, items = three_experts
    no_iban = expert_with_iban(full_name="Ilman Tiliä", iban=None)
    bad_iban = expert_with_iban(full_name="Väärä Tili", iban="FI0012345600000785")
    extra = [payout(no_iban), payout(bad_iban)]
    approved(items + extra, approver, now)
    with pytest.raises(InvalidInput) as error:
        services.create_batch(approver, None, now)
    assert error.value.code == "missing_iban"
    assert "Ilman Tiliä" in str(error.value) and "Väärä Tili" in str(error.value)
    assert batch_count() == 0
    assert set(statuses(items + extra)) == {"approved"}


def test_an_invalid_bank_file_leaves_no_batch_and_no_item_marked(
        now, approver, three_experts, monkeypatch):
    _, items = three_experts
    approved(items, approver, now)
    db.session.commit()

    def broken(document):
        raise exports.BankFileInvalid("The bank file did not pass its check, so no batch was "
                                      "made. Check the names and account numbers of the "
                                      "experts in it.")

    monkeypatch.setattr(exports, "validate_pain001", broken)
    with pytest.raises(exports.BankFileInvalid):
        services.create_batch(approver, None, now)
    db.session.rollback()  # what the request does with an error
    assert batch_count() == 0
    assert set(statuses(items)) == {"approved"}


def test_a_crash_after_the_batch_row_was_written_leaves_nothing(
        app, now, approver, three_experts, client, api_token, monkeypatch):
    """The failure comes after the batch is flushed and while the items move: the request's
    transaction is rolled back whole."""
    _, items = three_experts
    approved(items, approver, now)
    db.session.commit()
    ids = [i.id for i in items]
    real = services._move_items

    def crash_while_moving(moved, from_state, action, **values):
        if action == "add_to_batch":
            assert db.session.scalar(select(func.count()).select_from(PayoutBatch)) == 1
            real(moved[:2], from_state, action, **values)
            raise RuntimeError("disk full")
        return real(moved, from_state, action, **values)

    monkeypatch.setattr(services, "_move_items", crash_while_moving)
    token = api_token(client, approver.email)
    with app.app_context(), pytest.raises(RuntimeError):  # the request's own context
        client.post("/api/v1/payout-batches", json={},
                    headers={"Authorization": f"Bearer {token}"})
    assert batch_count() == 0
    assert set(statuses(ids)) == {"approved"}


def test_a_missing_bank_account_in_the_configuration_is_refused(now, approver, app, monkeypatch):
    approved([payout()], approver, now)
    monkeypatch.setitem(app.config, "BANK_IBAN", "")
    with pytest.raises(Conflict) as error:
        services.create_batch(approver, None, now)
    assert error.value.code == "bank_account_missing"


def test_validation_rejects_a_broken_document():
    document = exports.build_pain001(
        debtor_name="Kokemuspankki", debtor_iban=BANK_IBAN, debtor_bic="", message_id="KP-1",
        execution_date=helsinki(2026, 3, 20).date(),
        transfers=[exports.Transfer("KP-1-E1", "Aino", EXPERT_IBANS[0], Decimal("1.00"), "x")])
    exports.validate_pain001(document)
    broken = document.replace(b"<NbOfTxs>1</NbOfTxs>", b"<NbOfTxs>one</NbOfTxs>", 1)
    with pytest.raises(exports.BankFileInvalid):
        exports.validate_pain001(broken)


def test_marking_paid_pays_items_and_assignments_once_and_tells_the_experts(
        now, approver, three_experts):
    experts, items = three_experts
    approved(items, approver, now)
    batch = services.create_batch(approver, None, now)
    payer = finance_user()
    services.mark_batch_paid(payer, batch.id, now)
    assert batch.status == "paid" and batch.paid_at == now and batch.paid_by_id == payer.id
    assert statuses(items) == ["paid"] * 5
    assert {db.session.get(PayoutItem, i.id).assignment.status for i in items} == {"paid"}
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "payout_paid")
                               ).all()
    assert sorted(m.user_id for m in mails) == sorted(e.user_id for e in experts)
    aino = next(m for m in mails if m.user_id == experts[0].user_id)
    assert "111,20 €" in aino.body_text  # Finnish: the sum of Aino's two payouts
    with pytest.raises(Conflict) as error:
        services.mark_batch_paid(payer, batch.id, now)
    assert error.value.code == "batch_already_paid"
    with pytest.raises(Conflict):
        services.create_batch(approver, [items[0].id], now)
    assert not PAYOUT_ITEM.can("paid", "mark_paid")
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "assignment_paid")) == 5


def test_downloads_are_audited(now, approver, client, login):
    approved([payout()], approver, now)
    batch = services.create_batch(approver, None, now)
    db.session.commit()
    login(client, approver.email)
    bank_file = client.get(f"/finance/batches/{batch.id}/pain001.xml")
    payroll = client.get(f"/finance/batches/{batch.id}/payroll.csv?format=machine")
    assert bank_file.status_code == 200 and bank_file.mimetype == "application/xml"
    assert bank_file.headers["Content-Disposition"].startswith("attachment")
    assert bank_file.get_data(as_text=True) == batch.sepa_xml
    assert payroll.status_code == 200 and payroll.mimetype == "text/csv"
    downloads = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "payout_batch_downloaded")).all()
    assert sorted(e.details["file"] for e in downloads) == ["pain001", "payroll"]
    assert {e.actor_id for e in downloads} == {approver.id}


@pytest.mark.parametrize(("text", "cell"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+358", "'+358"),
    ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("Aino Ääninen", "Aino Ääninen"), ("", ""),
])
def test_csv_text_cells_never_become_formulas(text, cell):
    assert exports.spreadsheet_text(text) == cell


# SEPA names and the header's time ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "sepa"),
    [
        ("Aino Ääninen", "Aino Aaninen"),
        ("Åsa Öberg", "Asa Oberg"),
        ("Carla Weiß", "Carla Weiss"),
        ("Łukasz Żółć", "Lukasz Zolc"),
        ("Ærø Østergaard", "AEro Ostergaard"),
        ("O'Brien & Sons", "O'Brien Sons"),
        ("  Jean-Luc   Pïcard ", "Jean-Luc Picard"),
        ("a//b/", "a/b"),
        ("x" * 80, "x" * 70),
        ("😀", ""),
        ("---", ""),
        ("", ""),
    ],
)
def test_names_are_put_in_the_sepa_character_set(name, sepa):
    assert exports.sepa_text(name) == sepa


def test_an_expert_whose_name_has_no_sepa_letters_is_left_out_and_named(
        now, approver, three_experts, schema):
    experts, items = three_experts
    nameless = expert_with_iban(4, full_name="😀 ☺")
    their = payout(nameless, starts_at=helsinki(2026, 3, 9), fee="30.00")
    approved(items + [their], approver, now)
    batch = services.create_batch(approver, None, now)
    assert batch.left_out == ("😀 ☺",)
    assert statuses(items) == ["in_batch"] * 5
    assert statuses([their]) == ["approved"]  # waits for a later batch
    schema.validate(batch.sepa_xml)
    root = ElementTree.fromstring(batch.sepa_xml.encode())
    assert root.find("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", NS).text == "3"
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "payout_batch_created"))
    assert "😀 ☺" in str(entry.details)


def test_only_nameless_experts_give_a_clear_refusal(now, approver):
    nameless = expert_with_iban(4, full_name="☺")
    item = payout(nameless, starts_at=helsinki(2026, 3, 9), fee="30.00")
    approved([item], approver, now)
    with pytest.raises(InvalidInput) as refused:
        services.create_batch(approver, None, now)
    assert refused.value.code == "name_not_sepa" and "☺" in str(refused.value)
    assert batch_count() == 0 and statuses([item]) == ["approved"]


def test_the_creation_time_carries_its_utc_offset(now, approver, three_experts, schema):
    from datetime import datetime

    from app.common.timeutil import to_helsinki

    experts, items = three_experts
    approved(items, approver, now)
    batch = services.create_batch(approver, None, now)
    root = ElementTree.fromstring(batch.sepa_xml.encode())
    created = root.find("p:CstmrCdtTrfInitn/p:GrpHdr/p:CreDtTm", NS).text
    assert created == to_helsinki(now).isoformat(timespec="seconds")
    assert created[-6:] in ("+02:00", "+03:00")
    assert datetime.fromisoformat(created) == now.replace(microsecond=0)
    schema.validate(batch.sepa_xml)
