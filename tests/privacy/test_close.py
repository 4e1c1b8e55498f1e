"""Closing an account: work ended through the booking services, personal data gone from
every table, tokens dead, bookkeeping totals unchanged, payment data erased once paid."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from app.accounts.models import ApiToken, User
from app.accounts.services import user_for_api_token
from app.audit.models import AuditEntry
from app.bookings.models import Invitation, Order
from app.common.errors import Conflict, InvalidInput, PermissionDenied
from app.common.uploads import stored_path
from app.extensions import db
from app.jobs import JOBS
from app.payouts.models import PayoutItem
from app.privacy import services
from tests import factories
from tests.factories import DEFAULT_PASSWORD
from tests.privacy.helpers import bookkeeping_totals, pay_items, scan


def _user(person) -> User:
    return db.session.get(User, person.user_id)


def _close(person):
    result = services.close_own_account(_user(person), DEFAULT_PASSWORD)
    db.session.commit()
    services.remove_files(result)
    return result


def test_closing_removes_the_name_everywhere_and_keeps_what_pays_the_last_fee(pair):
    closing, other = pair
    before = bookkeeping_totals()

    result = _close(closing)

    assert result.erased is False  # one approved payout is still to be paid
    user = _user(closing)
    assert user.full_name == f"Suljettu tili {user.id}"
    assert not user.active and user.closed_at is not None and user.erased_at is None
    assert scan([closing.name, closing.phone]) == []
    # Kept until the last payout is paid: the address (on the account only) and the IBAN
    # (on the profile, and in the earlier batch's bank file).
    assert set(scan([closing.email])) == {("users", "email", closing.email)}
    # (and on the approved payout, which pays the account it was approved with).
    assert {(t, c) for t, c, _ in scan([closing.iban])} == {
        ("expert_profiles", "iban"), ("payout_batches", "sepa_xml"),
        ("payout_items", "approved_iban")}
    assert bookkeeping_totals() == before
    # The other person's data is untouched.
    assert {w for _, _, w in scan(other.secrets)} == set(other.secrets)


def test_the_last_payout_paid_erases_email_and_bank_account(pair, finance, paid_on):
    closing, other = pair
    _close(closing)
    before = bookkeeping_totals()

    batch = pay_items([closing.unpaid_item_id], finance, paid_on)
    db.session.commit()

    user = _user(closing)
    assert user.erased_at is not None
    assert user.email == f"closed-{user.id}@closed.invalid"
    assert user.expert_profile.identity_code_encrypted is None
    assert scan(closing.secrets) == []
    after = bookkeeping_totals()
    assert after["payout_items"] == before["payout_items"]  # same money, now paid
    assert after["invoice_lines"] == before["invoice_lines"]
    total_net, item_count, batches = before["payout_batches"]
    assert after["payout_batches"] == (total_net + batch.total_net, item_count + 1, batches + 1)
    assert db.session.get(PayoutItem, closing.unpaid_item_id).status == "paid"
    assert {w for _, _, w in scan(other.secrets)} == set(other.secrets)
    assert db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "closed_account_erased",
        AuditEntry.subject_id == str(user.id))) is not None


def test_nothing_owed_erases_everything_at_once(pair, finance, paid_on):
    closing, _other = pair
    pay_items([closing.unpaid_item_id], finance, paid_on)
    db.session.commit()
    before = bookkeeping_totals()

    result = _close(closing)

    assert result.erased is True
    assert scan(closing.secrets) == []
    assert bookkeeping_totals() == before


def test_the_daily_job_erases_once_the_last_payout_is_rejected(pair, finance, paid_on):
    from tests.payouts.helpers import code

    closing, _other = pair
    item = db.session.get(PayoutItem, closing.unpaid_item_id)
    _close(closing)
    # An approved item cannot be rejected; a pending one can: make a third, pending one.
    from tests.payouts.helpers import payout

    expert = db.session.get(User, closing.user_id).expert_profile
    pending = payout(expert, fee="15.00")
    pay_items([item.id], finance, paid_on)
    db.session.commit()
    assert _user(closing).erased_at is None  # the pending payout is still owed

    from app.payouts import services as payouts

    payouts.reject_payout_item(finance, pending.id, "Tuplaraportti.", code(finance, paid_on),
                               paid_on)
    _interval, job = JOBS["erase_settled_accounts"]
    job(paid_on)
    db.session.commit()
    assert _user(closing).erased_at is not None
    assert scan(closing.secrets) == []


def test_work_is_ended_through_the_booking_services(pair):
    closing, _other = pair
    _close(closing)

    coming = db.session.get(Order, closing.future_order_id)
    (assignment,) = [a for a in coming.assignments if a.expert_id == closing.expert_id]
    assert assignment.status == "cancelled_by_expert"
    assert coming.status != "filled"  # the usual cascade: looking for someone else
    invitation = db.session.scalar(select(Invitation).where(
        Invitation.order_id == closing.invited_order_id,
        Invitation.expert_id == closing.expert_id))
    assert invitation.status == "declined"
    actions = set(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.actor_id == closing.user_id)))
    assert {"expert_withdrew", "invitation_declined"} <= actions
    assert db.session.get(User, closing.user_id).expert_profile.status == "retired"


def test_tokens_die_and_sign_in_fails(pair, client, api_token):
    closing, _other = pair
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {closing.token}"})
    assert response.status_code == 200
    _close(closing)

    assert user_for_api_token(closing.token) is None
    assert all(t.revoked_at is not None for t in db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == closing.user_id)))
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {closing.token}"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_token"
    response = client.post("/api/v1/auth/token",
                           json={"email": closing.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 401


def test_certificates_are_deleted_and_receipts_kept_as_vouchers(pair, app):
    closing, _other = pair
    assert stored_path(closing.certificate_path) and stored_path(closing.receipt_path)
    _close(closing)
    assert stored_path(closing.certificate_path) is None
    assert not os.path.exists(os.path.join(app.config["UPLOAD_FOLDER"],
                                           closing.certificate_path))
    assert stored_path(closing.receipt_path)


def test_wrong_password_changes_nothing(pair):
    closing, _other = pair
    with pytest.raises(InvalidInput) as raised:
        services.close_own_account(_user(closing), "not-the-password")
    assert raised.value.field == "password"
    db.session.rollback()
    assert _user(closing).closed_at is None and _user(closing).active


def test_closing_twice_is_refused(pair, organiser):
    closing, _other = pair
    coordinator = factories.user("coordinator")
    _close(closing)
    with pytest.raises(Conflict):
        services.close_account_on_request(coordinator, closing.user_id)


@pytest.mark.parametrize("role", ["coordinator", "finance", "admin"])
def test_staff_cannot_close_their_own_account(role):
    staff = factories.user(role)
    with pytest.raises(PermissionDenied):
        services.close_own_account(staff, DEFAULT_PASSWORD)


@pytest.mark.parametrize(("actor_role", "target_role", "allowed"), [
    ("coordinator", "expert", True),
    ("coordinator", "finance", True),
    ("coordinator", "admin", False),
    ("admin", "admin", True),
    ("admin", "coordinator", True),
    ("finance", "expert", False),
    ("organisation_member", "expert", False),
])
def test_who_closes_on_request(actor_role, target_role, allowed):
    actor = factories.user(actor_role)
    target = (factories.expert().user if target_role == "expert"
              else factories.user(target_role))
    if not allowed:
        with pytest.raises(PermissionDenied):
            services.close_account_on_request(actor, target.id)
        return
    services.close_account_on_request(actor, target.id)
    assert target.closed_at is not None
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "account_closed", AuditEntry.subject_id == str(target.id)))
    assert entry.actor_id == actor.id and entry.details["on_request"] is True


def test_an_organisation_member_leaves_the_organisation_its_data(organiser):
    organisation = organiser.membership.organisation
    colleague = factories.member(organisation, full_name="Maija Muistettava",
                                 email="maija.muistettava@example.fi")
    order = factories.order(organisation, created_by=colleague,
                            title="Tilaus, yhteyshenkilö Maija Muistettava")
    db.session.commit()

    services.close_own_account(colleague, DEFAULT_PASSWORD)
    db.session.commit()

    assert scan(["Maija Muistettava", "maija.muistettava@example.fi"]) == []
    kept = db.session.get(Order, order.id)
    assert kept.organisation_id == organisation.id and kept.created_by_id == colleague.id
    assert kept.title == f"Tilaus, yhteyshenkilö Suljettu tili {colleague.id}"
    assert colleague.membership is None
    assert organiser.membership is not None


def test_a_participant_closes_their_light_account(organiser):
    from tests.participation.helpers import group, participant

    panel = group(organiser)
    person = participant(organiser, panel.id)
    name, email = person.full_name, person.email
    db.session.commit()
    # participants sign in with a link; give the account a password to confirm with
    from app.accounts.passwords import hash_password

    person.password_hash = hash_password(DEFAULT_PASSWORD)
    services.close_own_account(person, DEFAULT_PASSWORD)
    db.session.commit()
    assert len(name) >= services.MIN_SCRUB_LENGTH
    assert scan([name, email]) == []
    assert person.erased_at is not None  # nothing was owed


def test_a_short_name_is_not_replaced_inside_other_text():
    expert = factories.expert(full_name="Li Wu", email="li.wu@example.fi")
    order = factories.order(title="Liikunta ja Li Wu")
    services.close_own_account(expert.user, DEFAULT_PASSWORD)
    db.session.commit()
    assert db.session.get(Order, order.id).title == "Liikunta ja Li Wu"
    assert expert.user.full_name == f"Suljettu tili {expert.user.id}"
