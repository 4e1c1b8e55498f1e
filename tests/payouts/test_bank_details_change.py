"""Money-moving changes are safe (issue 11, point 5): changing the IBAN or the tax card needs
the current password, mails and audits; an approved payout pays the IBAN it was approved
with, and finance is told on the next batch which experts changed their account since."""

from __future__ import annotations

from decimal import Decimal
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.common.errors import InvalidInput
from app.experts import services as expert_services
from app.extensions import db
from app.mail.models import OutboxMessage
from app.payouts import services
from app.payouts.models import PayoutBatch
from tests import factories
from tests.payouts.helpers import EXPERT_IBANS, approved, expert_with_iban, finance_user, payout

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
OLD_IBAN, NEW_IBAN, THIRD_IBAN = EXPERT_IBANS[0], EXPERT_IBANS[1], EXPERT_IBANS[2]


def changes(expert, **fields) -> expert_services.ProfileChanges:
    """The expert's profile as it is, with ``fields`` changed."""
    values = dict(
        display_name=expert.display_name or "Testi", areas=["mental-health"],
        shown_areas=["mental-health"], languages=["fi"], home_municipality_code="609",
        assignment_types=["lecture"], iban=expert.iban or "",
        withholding_percent=expert.withholding_percent)
    values.update(fields)
    return expert_services.ProfileChanges(**values)


def payments(batch) -> list[tuple[str, Decimal]]:
    root = ElementTree.fromstring(batch.sepa_xml.encode())
    return sorted((t.find("p:CdtrAcct/p:Id/p:IBAN", NS).text,
                   Decimal(t.find("p:Amt/p:InstdAmt", NS).text))
                  for t in root.iterfind(".//p:CdtTrfTxInf", NS))


@pytest.mark.parametrize("password", ["", "wrong-password"])
def test_changing_the_iban_or_tax_card_needs_the_current_password(password):
    expert = expert_with_iban(0, full_name="Vilma Varma")
    db.session.commit()
    for change in ({"iban": NEW_IBAN}, {"withholding_percent": Decimal("35")}):
        with pytest.raises(InvalidInput) as refused:
            expert_services.update_profile(expert.user, changes(
                expert, current_password=password, **change))
        assert refused.value.field == "current_password"
        db.session.rollback()
        assert db.session.get(type(expert), expert.id).iban == OLD_IBAN
    assert db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == "payment_details_changed")).all() == []


def test_other_profile_changes_need_no_password():
    expert = expert_with_iban(0)
    expert_services.update_profile(expert.user, changes(expert, bio="Uusi esittely"))
    assert expert.bio == "Uusi esittely"


def test_a_change_with_the_password_is_saved_audited_and_mailed():
    expert = expert_with_iban(0, full_name="Vilma Varma")
    expert_services.update_profile(expert.user, changes(
        expert, iban=NEW_IBAN, current_password=factories.DEFAULT_PASSWORD))
    db.session.flush()
    assert expert.iban == NEW_IBAN
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "expert_payment_details_changed")).one()
    assert entry.details == {"fields": "iban"}
    (mail,) = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == "payment_details_changed")).all()
    assert mail.to_address == expert.user.email
    assert OLD_IBAN not in mail.body_text and NEW_IBAN not in mail.body_text  # masked
    assert OLD_IBAN[-2:] in mail.body_text and NEW_IBAN[-2:] in mail.body_text


def test_the_profile_page_asks_for_the_password_and_keeps_what_was_typed(app, client, login):
    expert = expert_with_iban(0)
    email = expert.user.email
    db.session.commit()
    login(client, email)
    client.get("/language/en")
    response = client.post("/expert/profile", data={
        "display_name": "Vilma", "bio": "Tallentuuko?", "areas": ["mental-health"],
        "shown_areas": ["mental-health"], "languages": ["fi"], "home_municipality_code": "609",
        "assignment_types": ["lecture"], "travel_range_km": "50", "remote_ok": "yes",
        "iban": NEW_IBAN, "withholding_percent": "", "current_password": "arvaus"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Type your current password" in html
    assert f'value="{NEW_IBAN}"' in html and "Tallentuuko?" in html
    db.session.expire_all()
    assert db.session.get(type(expert), expert.id).iban == OLD_IBAN


def test_an_approved_payout_pays_the_iban_it_was_approved_with(now):
    expert = expert_with_iban(0, full_name="Vilma Varma")
    approver = finance_user()
    item = payout(expert, fee="30.00")
    approved([item], approver, now)
    assert item.approved_iban == OLD_IBAN
    # Someone changes the account after the approval (the expert, or whoever has the password).
    expert_services.update_profile(expert.user, changes(
        expert, iban=NEW_IBAN, current_password=factories.DEFAULT_PASSWORD))
    waiting = payout(expert, fee="20.00")  # approved after the change: the new account
    approved([waiting], approver, now)
    batch = services.create_batch(approver, None, now)
    assert payments(batch) == sorted([(OLD_IBAN, item.total_paid),
                                      (NEW_IBAN, waiting.total_paid)])
    assert batch.bank_details_changed == ("Vilma Varma",)


def test_finance_sees_the_changed_bank_details_before_and_after_the_batch(app, client, login,
                                                                          now):
    expert = expert_with_iban(0, full_name="Vilma Varma")
    unchanged = expert_with_iban(2, full_name="Ulla Ennallaan")
    approver = finance_user()
    approved([payout(expert), payout(unchanged)], approver, now)
    expert.iban = THIRD_IBAN
    db.session.commit()
    login(client, approver.email)
    before = notice(client.get("/finance/batches"))
    assert "Vilma Varma" in before and "Ulla Ennallaan" not in before
    batch = services.create_batch(approver, None, now)
    db.session.commit()
    after = notice(client.get(f"/finance/batches/{batch.id}"))
    assert "Vilma Varma" in after and "Ulla Ennallaan" not in after
    assert [iban for iban, _ in payments(batch)] == sorted([OLD_IBAN, EXPERT_IBANS[2]])


def test_no_notice_when_nothing_changed(app, client, login, now):
    approver = finance_user()
    approved([payout(expert_with_iban(0))], approver, now)
    db.session.commit()
    login(client, approver.email)
    assert 'id="bank-details-changed"' not in client.get("/finance/batches").get_data(
        as_text=True)


def notice(response) -> str:
    html = response.get_data(as_text=True)
    assert 'id="bank-details-changed"' in html
    return html.split('id="bank-details-changed"', 1)[1].split("</div>", 1)[0]


def test_the_api_batch_names_the_experts_whose_account_changed(app, client, api_token, now):
    expert = expert_with_iban(0, full_name="Vilma Varma")
    approver = finance_user()
    approved([payout(expert)], approver, now)
    expert.iban = NEW_IBAN
    db.session.commit()
    token = api_token(client, approver.email)
    response = client.post("/api/v1/payout-batches", json={},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["bank_details_changed"] == ["Vilma Varma"]
    batch = db.session.get(PayoutBatch, response.get_json()["id"])
    assert [iban for iban, _ in payments(batch)] == [OLD_IBAN]
