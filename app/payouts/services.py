"""Payout services: the only writers of payout items and batches.

A confirmed assignment gets one payout item (`create_payout_item`). Finance
approves or rejects it with a two-factor code, never for their own work (four
eyes: not the payee, not the reporter, not whoever prepared or corrected the
amounts). Approved items go into a batch that exports the SEPA credit
transfer (pain.001) and the payroll CSV whole or not at all; marking the batch
paid pays the items and their assignments and tells the experts.

Every state move goes through `app.payouts.states` and is written as a
compare-and-set UPDATE (``… WHERE status = <expected>``) on rows locked with
SELECT … FOR UPDATE, so two finance users acting at once can never batch or
pay an item twice, on PostgreSQL or SQLite. Services flush; the request commits.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from sqlalchemy import Row, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.accounts import second_factor
from app.accounts.models import ADMIN, FINANCE, User
from app.audit.models import AuditEntry
from app.audit.services import record_audit, record_audits
from app.bookings.models import Assignment
from app.bookings.services import mark_assignment_paid
from app.bookings.states import ASSIGNMENT
from app.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.common.events import publish
from app.common.timeutil import to_helsinki
from app.experts.iban import mask_iban
from app.experts.identity_code import InvalidToken, decrypt_identity_code
from app.experts.models import ExpertProfile
from app.extensions import db
from app.fees.rules import Line, compute_payout
from app.mail.services import queue_mail
from app.payouts import exports, payroll
from app.payouts.events import BatchPaid
from app.payouts.models import PayoutBatch, PayoutComponent, PayoutItem, WageType
from app.payouts.states import PAYOUT_BATCH, PAYOUT_ITEM

#: Who handles payouts.
FINANCE_ROLES = (FINANCE, ADMIN)
MAX_REASON = 2000
#: A correction above this (travel or daily allowance of one assignment) is surely a typo.
MAX_CORRECTION = Decimal("10000.00")
CENT = Decimal("0.01")
#: Where the expert sees their payouts (for links in e-mails sent outside a request).
MONEY_PAGE_PATH = "/expert/money"
#: Assignment states that may have a payout item.
PAYABLE_ASSIGNMENT = "confirmed"
LATE_CANCELLED = "cancelled_by_organisation"


def N_(text: str) -> str:
    """Mark a msgid for extraction; it is translated where it is shown."""
    return text


#: Why someone may not approve or reject an item: (short text for the queue, error message).
FOUR_EYES = {
    "payee": (
        N_("This payout is paid to you. Another finance user approves it."),
        N_("You cannot approve or reject payout %(id)s, because it is paid to you. "
           "Another finance user must do it."),
    ),
    "reporter": (
        N_("You reported this work. Another finance user approves it."),
        N_("You cannot approve or reject payout %(id)s, because you reported the work. "
           "Another finance user must do it."),
    ),
    "preparer": (
        N_("You prepared or corrected these amounts. Another finance user approves them."),
        N_("You cannot approve or reject payout %(id)s, because you prepared or corrected "
           "its amounts. Another finance user must do it."),
    ),
}


@dataclass(frozen=True)
class _Amounts:
    """The fee engine's three sums, for `compute_payout`."""

    fee: Decimal
    travel: Decimal
    per_diem: Decimal


# --- creating an item (called when an assignment is confirmed) -----------------------------


def create_payout_item(
    assignment: Assignment,
    *,
    fee: Decimal,
    travel: Decimal,
    per_diem: Decimal,
    fee_schedule_id: int | None,
    prepared_by_id: int | None,
    now: datetime,
    actor: User | None = None,
    lines: Sequence[Line] = (),
) -> PayoutItem:
    """The payout item of a confirmed (or late-cancelled) assignment, waiting for approval.

    ``fee``, ``travel`` and ``per_diem`` are the fee engine's amounts and
    ``lines`` its lines, kept as the item's income components for the payroll
    (without lines the fee is one component); the
    withholding comes from the expert's tax-card percentage (60 % without one)
    through `compute_payout`. ``prepared_by_id`` is whoever reported the work
    (they may never approve it); ``actor`` is who confirmed, for the audit log.
    """
    if not (assignment.status == PAYABLE_ASSIGNMENT or (
            assignment.status == LATE_CANCELLED and assignment.fee_due_despite_cancellation)):
        raise Conflict("Only confirmed work, or work the organisation cancelled late, is paid.",
                       code="not_payable")
    if db.session.scalar(select(PayoutItem.id).where(PayoutItem.assignment_id == assignment.id)):
        raise Conflict("This work already has a payout.", code="payout_exists")
    for name, value in (("fee", fee), ("travel", travel), ("per_diem", per_diem)):
        if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
            raise InvalidInput("Amounts must be exact and not negative.", code="invalid_amount",
                               field=name)
    expert = db.session.get(ExpertProfile, assignment.expert_id)
    amounts = compute_payout(_Amounts(fee, travel, per_diem), expert.withholding_percent)
    item = PayoutItem(
        assignment=assignment,
        expert_id=assignment.expert_id,
        status="pending_approval",
        fee_schedule_id=fee_schedule_id,
        fee=amounts.fee,
        travel=amounts.travel,
        per_diem=amounts.per_diem,
        withholding_percent=amounts.withholding_percent.quantize(CENT),
        withholding=amounts.withholding,
        net_fee=amounts.net_fee,
        total_paid=amounts.total_paid,
        work_date=assignment.starts_at,
        created_at=now,
        prepared_by_id=prepared_by_id,
    )
    store_components(item, lines, assignment.order.assignment_type.code)
    db.session.add(item)
    db.session.flush()
    record_audit(actor, "payout_item_created", "payout_item", item.id,
                 assignment=assignment.id, fee=item.fee, travel=item.travel,
                 per_diem=item.per_diem, withholding_percent=item.withholding_percent,
                 total_paid=item.total_paid)
    return item


def store_components(item: PayoutItem, lines: Sequence[Line], assignment_type: str) -> None:
    """Keep the fee engine's ``lines`` as the item's income components (checked to add up to
    the item's fee, travel and daily allowance); the item's amounts must be set."""
    components = payroll.components_from_lines(
        lines, assignment_type, item.fee, item.withholding, item.travel, item.per_diem)
    _check_components(components, item)
    _set_components(item, components)


def _check_components(components: list[payroll.Component], amounts) -> None:
    """The components add up to the item's fee, travel and daily allowance exactly."""
    def total(kinds) -> Decimal:
        return sum((c.amount for c in components if c.component in kinds), Decimal("0.00"))

    if (total(("fee",)), total(payroll.TRAVEL_COMPONENTS),
            total(payroll.PER_DIEM_COMPONENTS)) != (amounts.fee, amounts.travel,
                                                    amounts.per_diem):
        raise InvalidInput("The priced lines do not add up to the amounts.",
                           code="invalid_amount")


def _set_components(item: PayoutItem, components: list[payroll.Component]) -> None:
    """Replace the item's stored components (flushing the removal first: positions are unique)."""
    if item.components:
        item.components.clear()
        db.session.flush()
    item.components.extend(
        PayoutComponent(position=position, component=c.component,
                        assignment_type=c.assignment_type, quantity=c.quantity, rate=c.rate,
                        amount=c.amount, withholding=c.withholding, net=c.net, halved=c.halved)
        for position, c in enumerate(components, start=1)
    )


def stored_components(item: PayoutItem) -> list[payroll.Component]:
    """The item's components as the payroll module reads them."""
    return [payroll.Component(c.component, c.amount, c.withholding, c.quantity, c.rate,
                              c.assignment_type, c.halved) for c in item.components]


# --- checks shared by the decisions ---------------------------------------------------------


def _require_finance(actor: User) -> None:
    if actor is None or actor.role not in FINANCE_ROLES:
        raise PermissionDenied("Only finance can handle payouts to experts.")


def check_totp(actor: User, code: object, now: datetime) -> None:
    """The actor's current two-factor code, accepted once, or `PermissionDenied` (403;
    429 after too many wrong codes)."""
    if not actor.totp_secret:
        raise PermissionDenied(
            "Set up two-factor authentication before you approve or reject payouts.",
            code="totp_required", field="totp")
    second_factor.check_code(actor, code, now)


def four_eyes_conflicts(actor: User, items: Iterable[PayoutItem]) -> dict[int, str]:
    """Items ``actor`` may not decide, each with the reason's key in `FOUR_EYES`.

    Nobody decides an item that pays them, whose work they reported, or whose
    amounts they prepared or ever corrected (the audit log remembers every
    correction, also when someone else corrected it later).
    """
    items = list(items)
    edited = set(db.session.scalars(
        select(AuditEntry.subject_id).where(
            AuditEntry.action == "payout_item_edited",
            AuditEntry.subject_type == "payout_item",
            AuditEntry.actor_id == actor.id,
            AuditEntry.subject_id.in_([str(item.id) for item in items]),
        )
    )) if items else set()
    conflicts = {}
    for item in items:
        report = item.assignment.report
        if item.expert.user_id == actor.id:
            conflicts[item.id] = "payee"
        elif report is not None and report.reported_by_id == actor.id:
            conflicts[item.id] = "reporter"
        elif item.prepared_by_id == actor.id or str(item.id) in edited:
            conflicts[item.id] = "preparer"
    return conflicts


def _refuse_four_eyes(actor: User, items: list[PayoutItem]) -> None:
    conflicts = four_eyes_conflicts(actor, items)
    if conflicts:
        item_id, reason = next(iter(conflicts.items()))
        raise PermissionDenied(FOUR_EYES[reason][1], code="four_eyes",
                               values={"id": item_id})


def _item_ids(item_ids: Iterable[object]) -> list[int]:
    """Distinct positive ids, or `InvalidInput` when none or not ids."""
    ids: list[int] = []
    seen: set[int] = set()
    for value in item_ids or ():
        if isinstance(value, bool):
            raise InvalidInput("Give the payouts as a list of ids.", code="invalid_value",
                               field="item_ids")
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise InvalidInput("Give the payouts as a list of ids.", code="invalid_value",
                               field="item_ids") from None
        if number > 0 and number not in seen:
            seen.add(number)
            ids.append(number)
    if not ids:
        raise InvalidInput("Choose at least one payout.", code="no_items", field="item_ids")
    return ids


def _required_reason(reason: str | None, message: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidInput(message, code="reason_required", field="reason")
    if len(text) > MAX_REASON:
        raise InvalidInput("Write at most 2000 characters.", code="reason_too_long",
                           field="reason")
    return text


def _locked_items(*conditions) -> list[PayoutItem]:
    """Payout items matching ``conditions``, locked (FOR UPDATE) in id order, freshly read."""
    return list(db.session.scalars(
        select(PayoutItem)
        .where(*conditions)
        .order_by(PayoutItem.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ))


def _one_of(column, values: Iterable[int]):
    """``column IN (values)``; on PostgreSQL ``column = ANY(:array)``, one parameter.

    A batch may name thousands of items: an expanding IN list costs SQLAlchemy and the
    driver a bound parameter each (about half of a 5,000-item batch's time), an array
    costs one.
    """
    values = list(values)
    if db.session.get_bind().dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, values, type_=postgresql.ARRAY(sa.Integer)))
    return column.in_(values)


def _locked_items_by_id(ids: list[int]) -> list[PayoutItem]:
    items = _locked_items(PayoutItem.id.in_(ids))
    if len(items) != len(ids):
        raise NotFound("The payout was not found.", code="payout_not_found")
    return items


def _locked_item_rows(*conditions) -> list[Row]:
    """Like `_locked_items`, but only the columns a batch needs, as plain rows.

    A batch may hold thousands of items; building an ORM object for each costs
    more than the query itself, and the batch only reads these five values.
    """
    return list(db.session.execute(
        select(PayoutItem.id, PayoutItem.expert_id, PayoutItem.status, PayoutItem.total_paid,
               PayoutItem.approved_iban)
        .where(*conditions)
        .order_by(PayoutItem.id)
        .with_for_update()
    ))


def _move_items(items: Sequence[PayoutItem | Row], from_state: str, action: str | None,
                **values) -> None:
    """Compare-and-set: move every item from ``from_state`` along ``action`` (None: stay)
    and set ``values``, or `Conflict` if any of them is no longer in ``from_state``."""
    to_state = PAYOUT_ITEM.next_state(from_state, action) if action else from_state
    ids = [item.id for item in items]
    result = db.session.execute(
        update(PayoutItem)
        .where(_one_of(PayoutItem.id, ids), PayoutItem.status == from_state)
        .values(status=to_state, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != len(ids):
        raise Conflict("Someone else handled these payouts at the same time. Reload the page "
                       "and check.", code="payout_changed")
    # The rows now hold exactly these values: set them on the loaded items as committed state
    # instead of expiring them, which would reload every item one by one on its next use.
    # (Items read as plain rows, as a batch reads them, have nothing to update.)
    for item in items:
        if not isinstance(item, PayoutItem):
            continue
        set_committed_value(item, "status", to_state)
        for name, value in values.items():
            set_committed_value(item, name, value)


def _require_state(items: list[PayoutItem], action: str, message: str, code: str) -> None:
    for item in items:
        if not PAYOUT_ITEM.can(item.status, action):
            raise Conflict(message, code=code, values={"id": item.id})


# --- decisions ------------------------------------------------------------------------------


def approve_payout_items(actor: User, item_ids: Iterable[object], totp_code: object,
                         now: datetime) -> list[PayoutItem]:
    """Approve several payout items at once with one two-factor code; all or none.

    403 (`PermissionDenied`) for a wrong or missing code or a four-eyes conflict,
    409 (`Conflict`) when an item no longer waits for approval, 404 for unknown ids.
    """
    _require_finance(actor)
    ids = _item_ids(item_ids)
    check_totp(actor, totp_code, now)
    items = _locked_items_by_id(ids)
    _require_state(items, "approve", "Payout %(id)s is not waiting for approval any more.",
                   "not_pending")
    _refuse_four_eyes(actor, items)
    _move_items(items, "pending_approval", "approve", decided_at=now, decided_by_id=actor.id)
    for item in items:
        item.approved_iban = _payee_iban(item.expert)  # the account this approval pays
        record_audit(actor, "payout_item_approved", "payout_item", item.id,
                     total_paid=item.total_paid)
    db.session.flush()
    return items


def reject_payout_item(actor: User, item_id: int, reason: str | None, totp_code: object,
                       now: datetime) -> PayoutItem:
    """Reject one payout item with a reason that the expert sees (and gets by e-mail)."""
    _require_finance(actor)
    reason = _required_reason(reason, "Write why the payout is rejected. The expert sees it.")
    check_totp(actor, totp_code, now)
    (item,) = _locked_items_by_id([int(item_id)])
    _require_state([item], "reject", "Payout %(id)s is not waiting for approval any more.",
                   "not_pending")
    _refuse_four_eyes(actor, [item])
    _move_items([item], "pending_approval", "reject", decided_at=now, decided_by_id=actor.id,
                rejection_reason=reason)
    record_audit(actor, "payout_item_rejected", "payout_item", item.id, reason=reason)
    user = item.expert.user
    queue_mail(user.email, "payout_rejected", language=user.language, kind="payout_rejected",
               user_id=user.id, item=item, assignment=item.assignment,
               order=item.assignment.order, reason=reason, money_url=_money_url())
    db.session.flush()
    return item


def _amount(value: object, field: str) -> Decimal:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        amount = None
    if isinstance(value, (bool, float)) or amount is None or not amount.is_finite():
        raise InvalidInput("Give an amount in euros, for example 12.50.", code="invalid_amount",
                           field=field)
    if not 0 <= amount <= MAX_CORRECTION or amount != amount.quantize(CENT):
        raise InvalidInput("Give an amount from 0 to 10000 euros with at most two decimals.",
                           code="invalid_amount", field=field)
    return amount.quantize(CENT)


def edit_payout_item(actor: User, item_id: int, travel: object, per_diem: object,
                     reason: str | None, now: datetime | None = None) -> PayoutItem:
    """Finance corrects the travel costs and daily allowance of an item not yet approved.

    The fee and withholding percentage stay; the totals are recomputed. The
    editor becomes the item's preparer, so someone else must approve it; a
    rejected item goes back to the approval queue. The audit log keeps the old
    and new amounts and the reason.
    """
    _require_finance(actor)
    new_travel = _amount(travel, "travel")
    new_per_diem = _amount(per_diem, "per_diem")
    reason = _required_reason(reason, "Write why the amounts are corrected.")
    (item,) = _locked_items_by_id([int(item_id)])
    if item.status == "rejected":
        action = "resubmit"
    elif item.status == "pending_approval":
        action = None
    else:
        raise Conflict("Only payouts that are not approved yet can be corrected.",
                       code="not_editable")
    if item.expert.user_id == actor.id:
        raise PermissionDenied("You cannot correct a payout that is paid to you.",
                               code="four_eyes")
    old = {"travel": item.travel, "per_diem": item.per_diem, "total_paid": item.total_paid,
           "status": item.status}
    amounts = compute_payout(_Amounts(item.fee, new_travel, new_per_diem),
                             item.withholding_percent)
    components = payroll.corrected_components(stored_components(item), amounts.travel,
                                              amounts.per_diem, amounts.withholding)
    _check_components(components, amounts)
    _set_components(item, components)
    db.session.flush()
    _move_items([item], item.status, action, travel=amounts.travel,
                per_diem=amounts.per_diem, withholding=amounts.withholding,
                net_fee=amounts.net_fee, total_paid=amounts.total_paid,
                prepared_by_id=actor.id, decided_at=None, decided_by_id=None,
                rejection_reason=None)
    record_audit(actor, "payout_item_edited", "payout_item", item.id, reason=reason,
                 old_travel=old["travel"], new_travel=amounts.travel,
                 old_per_diem=old["per_diem"], new_per_diem=amounts.per_diem,
                 old_total_paid=old["total_paid"], new_total_paid=amounts.total_paid,
                 old_status=old["status"], new_status=item.status)
    db.session.flush()
    return item


# --- batches --------------------------------------------------------------------------------


def _debtor() -> tuple[str, str, str]:
    """The bank's own name, IBAN and BIC from the configuration (IBAN checked)."""
    config = current_app.config
    try:
        iban = IBAN(config.get("BANK_IBAN") or "").compact
    except SchwiftyException:
        raise Conflict("The bank's own account number (BANK_IBAN) is missing or not valid in "
                       "the configuration, so no bank file can be made.",
                       code="bank_account_missing") from None
    return config.get("BANK_NAME") or "Kokemuspankki", iban, (config.get("BANK_BIC") or "")


def _payee_iban(expert: ExpertProfile | Row) -> str | None:
    try:
        return IBAN(expert.iban or "").compact
    except SchwiftyException:
        return None


def iban_changed_since_approval(approved_iban: str | None, saved_iban: str | None) -> bool:
    """Whether the expert's saved account is no longer the one an item was approved with
    (``saved_iban`` compacted, None when not valid): the item still pays the approved one,
    and finance is shown the change."""
    return bool(approved_iban) and approved_iban != saved_iban


def bank_details_changed(items: Iterable[PayoutItem]) -> list[str]:
    """The names of the experts whose saved IBAN is not the one their items were approved
    with: finance sees them before and after making the batch (the money goes to the
    approved account)."""
    return sorted({item.expert.user.full_name for item in items
                   if iban_changed_since_approval(item.approved_iban,
                                                  _payee_iban(item.expert))})


def batch_bank_details_changed(batch_id: int) -> list[str]:
    """`bank_details_changed` for a whole batch, whatever its size: the distinct (expert,
    approved IBAN) pairs of its items come from one query and the experts from another, so
    the batch's items are never loaded."""
    pairs = db.session.execute(
        select(PayoutItem.expert_id, PayoutItem.approved_iban)
        .where(PayoutItem.batch_id == batch_id).distinct()).all()
    experts = {expert.id: expert for expert in db.session.scalars(
        select(ExpertProfile).where(ExpertProfile.id.in_({pair[0] for pair in pairs}))
        .options(selectinload(ExpertProfile.user)))}
    return sorted({experts[expert_id].user.full_name for expert_id, approved_iban in pairs
                   if iban_changed_since_approval(approved_iban,
                                                  _payee_iban(experts[expert_id]))})


def _identity_code_readable(expert: ExpertProfile | Row) -> bool:
    """Whether the stored code decrypts with today's key (checked, never shown or kept), so
    that a batch is never made whose payroll file could not be."""
    try:
        decrypt_identity_code(expert.identity_code_encrypted, current_app.config)
    except InvalidToken:
        return False
    return True


def _message_id(now: datetime) -> str:
    """A new pain.001 message id (at most 35 characters), also the batch's reference."""
    return f"KP-{to_helsinki(now):%Y%m%d%H%M%S}-{secrets.token_hex(4).upper()}"


def _remittance(language: str | None, message_id: str) -> str:
    with force_locale(language):
        return _("Kokemuspankki: fees and travel costs, payment batch %(batch)s",
                 batch=message_id)


def create_batch(actor: User, item_ids: Iterable[object] | None, now: datetime) -> PayoutBatch:
    """A batch of approved items (``item_ids``, or None for every approved item).

    Builds the pain.001 (one net payment per expert: the sum of their items'
    total paid), validates it against its XSD and only then stores the batch and
    moves the items into it; the payroll file is built from the items' stored
    components when it is downloaded (`payroll_file`), so its payment date
    follows the batch. Any refusal or failure raises before anything is
    written or inside the same transaction, which the request then rolls back:
    there is never a half-made batch. 409 for items not approved (or already in
    a batch or paid), 422 when an expert has no valid IBAN or no personal
    identity code (all are named).
    """
    _require_finance(actor)
    debtor_name, debtor_iban, debtor_bic = _debtor()
    if item_ids is None:
        items = _locked_item_rows(PayoutItem.status == "approved")
        if not items:
            raise Conflict("There are no approved payouts to put in a batch.",
                           code="nothing_to_batch")
    else:
        ids = _item_ids(item_ids)
        items = _locked_item_rows(_one_of(PayoutItem.id, ids))
        if len(items) != len(ids):
            raise NotFound("The payout was not found.", code="payout_not_found")
        not_approved = [str(i.id) for i in items if not PAYOUT_ITEM.can(i.status, "add_to_batch")]
        if not_approved:
            raise Conflict("These payouts are not approved, or are already in a batch or paid: "
                           "%(ids)s.", code="not_approved", values={"ids": ", ".join(not_approved)})
    by_expert: dict[int, list[Row]] = {}
    for item in items:
        by_expert.setdefault(item.expert_id, []).append(item)
    # The payees as plain rows too (name, language, bank account, identity code).
    experts = {e.id: e for e in db.session.execute(
        select(ExpertProfile.id, ExpertProfile.iban, ExpertProfile.identity_code_encrypted,
               User.full_name, User.language)
        .join(User, User.id == ExpertProfile.user_id)
        .where(_one_of(ExpertProfile.id, by_expert)))}
    saved_ibans = {expert_id: _payee_iban(expert) for expert_id, expert in experts.items()}

    def paid_to(item: Row) -> str | None:
        """The account the item pays: the one it was approved with (older items without
        that snapshot, and items approved while no valid IBAN was saved, pay today's)."""
        return item.approved_iban or saved_ibans[item.expert_id]

    missing = sorted({experts[i.expert_id].full_name for i in items if not paid_to(i)})
    if missing:
        raise InvalidInput("These experts have no valid bank account number: %(names)s. Ask "
                           "them to add it on their profile, or leave their payouts out of the "
                           "batch.", code="missing_iban", values={"names": ", ".join(missing)})
    left_out = _leave_out_nameless(items, by_expert, experts)
    no_code = sorted(experts[i].full_name for i in by_expert
                     if not experts[i].identity_code_encrypted)
    if no_code:
        raise InvalidInput("These experts have not given their personal identity code, which "
                           "the payroll needs from the first payout: %(names)s. Ask them to add "
                           "it with their bank details, or leave their payouts out of the batch.",
                           code="missing_identity_code", values={"names": ", ".join(no_code)})
    unreadable = sorted(experts[i].full_name for i in by_expert
                        if not _identity_code_readable(experts[i]))
    if unreadable:
        raise Conflict("The personal identity codes of these experts cannot be read with the "
                       "key in the configuration (IDENTITY_CODE_KEY), so no payroll file could "
                       "be made: %(names)s.", code="identity_code_unreadable",
                       values={"names": ", ".join(unreadable)})
    message_id = _message_id(now)
    execution_date = to_helsinki(now).date()
    transfers = []
    #: The remittance text per language: the same for every expert who reads that language.
    remittances: dict[str | None, str] = {}
    for expert_id, own in by_expert.items():
        expert = experts[expert_id]
        #: One payment per account: items approved with different IBANs are paid apart.
        by_iban: dict[str, list[Row]] = {}
        for item in own:
            by_iban.setdefault(paid_to(item), []).append(item)
        for number, (iban, paid) in enumerate(sorted(by_iban.items()), start=1):
            amount = sum((i.total_paid for i in paid), Decimal("0.00"))
            if amount <= 0:
                continue
            language = expert.language
            if language not in remittances:
                remittances[language] = _remittance(language, message_id)
            suffix = "" if number == 1 else f"-{number}"
            transfers.append(exports.Transfer(
                end_to_end_id=f"{message_id}-E{expert_id}{suffix}", name=expert.full_name,
                iban=iban, amount=amount, remittance=remittances[language]))
    if not transfers:
        raise Conflict("These payouts add up to nothing to transfer.", code="nothing_to_pay")
    document = exports.build_pain001(
        debtor_name=debtor_name, debtor_iban=debtor_iban, debtor_bic=debtor_bic,
        message_id=message_id, execution_date=execution_date, transfers=transfers,
        created_at=now)
    exports.validate_pain001(document)
    batch = PayoutBatch(
        status="exported", created_by_id=actor.id, created_at=now,
        total_net=sum((t.amount for t in transfers), Decimal("0.00")), item_count=len(items),
        sepa_message_id=message_id, sepa_xml=document.decode("utf-8"),
        execution_date=execution_date,
    )
    db.session.add(batch)
    db.session.flush()
    _move_items(items, "approved", "add_to_batch", batch_id=batch.id)
    record_audit(actor, "payout_batch_created", "payout_batch", batch.id,
                 message_id=message_id, items=",".join(str(i.id) for i in items),
                 item_count=len(items), payments=len(transfers), total_net=batch.total_net,
                 left_out=", ".join(left_out))
    db.session.flush()
    batch.left_out = tuple(left_out)
    batch.bank_details_changed = tuple(sorted(
        {experts[i.expert_id].full_name for i in items
         if iban_changed_since_approval(i.approved_iban, saved_ibans[i.expert_id])}))
    return batch


def _leave_out_nameless(items: list[Row], by_expert: dict[int, list[Row]],
                        experts: dict[int, Row]) -> list[str]:
    """Take out (in place) the items of experts whose name has no SEPA characters left.

    Their items stay approved for a later batch; the others are batched. Returns
    the names left out; raises when nobody is left.
    """
    nameless = sorted((experts[e].full_name, e) for e in by_expert
                      if not exports.sepa_text(experts[e].full_name))
    for _name, expert_id in nameless:
        for item in by_expert.pop(expert_id):
            items.remove(item)
    names = [name for name, _ in nameless]
    if names and not items:
        raise InvalidInput("The names of these experts have no letters that a bank file can "
                           "carry: %(names)s. Ask them to write their name in Latin letters on "
                           "their profile.", code="name_not_sepa",
                           values={"names": ", ".join(names)})
    return names


def _batch_for_finance(actor: User, batch_id: int, *, lock: bool = False) -> PayoutBatch:
    _require_finance(actor)
    query = select(PayoutBatch).where(PayoutBatch.id == batch_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    batch = db.session.scalar(query)
    if batch is None:
        raise NotFound("The payment batch was not found.", code="batch_not_found")
    return batch


def payroll_file(actor: User, batch_id: int, fmt: str) -> tuple[PayoutBatch, bytes]:
    """The batch's payroll file in ``fmt`` (``fi`` or ``machine``), one row per component.

    Finance only (not administrators: the file has identity codes). Every payee's
    identity code is decrypted for the file, and
    each such read is written to the audit log, as is the download itself.
    """
    if fmt not in payroll.FORMATS:
        raise InvalidInput("Choose the file format fi or machine.", code="invalid_value",
                           field="format")
    batch = _batch_for_finance(actor, batch_id)
    if actor.role != FINANCE:
        raise PermissionDenied("Only finance may read personal identity codes.")
    # Plain rows in three queries (items, their components, their payees): a batch of
    # 5,000 items has some 7,000 components, too many to build ORM objects for.
    items = db.session.execute(
        select(PayoutItem.id, PayoutItem.assignment_id, PayoutItem.work_date,
               PayoutItem.expert_id)
        .where(PayoutItem.batch_id == batch.id).order_by(PayoutItem.id)).all()
    in_batch = select(PayoutItem.id).where(PayoutItem.batch_id == batch.id)
    components: dict[int, list[payroll.Component]] = {}
    for c in db.session.execute(
            select(PayoutComponent.payout_item_id, PayoutComponent.component,
                   PayoutComponent.amount, PayoutComponent.withholding,
                   PayoutComponent.quantity, PayoutComponent.rate,
                   PayoutComponent.assignment_type, PayoutComponent.halved)
            .where(PayoutComponent.payout_item_id.in_(in_batch))
            .order_by(PayoutComponent.payout_item_id, PayoutComponent.position)):
        components.setdefault(c.payout_item_id, []).append(payroll.Component(
            c.component, c.amount, c.withholding, c.quantity, c.rate, c.assignment_type,
            c.halved))
    payees = {row.id: row for row in db.session.execute(
        select(ExpertProfile.id, ExpertProfile.identity_code_encrypted, User.full_name)
        .join(User, User.id == ExpertProfile.user_id)
        .where(ExpertProfile.id.in_(select(PayoutItem.expert_id)
                                    .where(PayoutItem.batch_id == batch.id))))}
    codes = {expert_id: decrypt_identity_code(payee.identity_code_encrypted,
                                              current_app.config) or ""
             for expert_id, payee in payees.items()}
    # One entry per code read, all in one insert (a batch may pay a thousand experts).
    record_audits(actor, "identity_code_read", "expert_profile", codes, purpose="payroll",
                  batch=batch.id)
    rows = [
        payroll.PayrollRow(
            payee_name=payees[item.expert_id].full_name,
            payee_identity_code=codes[item.expert_id], payout_item_id=item.id,
            assignment_id=item.assignment_id, work_date=to_helsinki(item.work_date).date(),
            component=component)
        for item in items for component in components.get(item.id, ())
    ]
    content = payroll.build_payroll_csv(
        rows, fmt=fmt, payer_business_id=current_app.config.get("PAYER_BUSINESS_ID") or "",
        batch_reference=batch.sepa_message_id, payment_date=batch.execution_date,
        wage_types=wage_type_codes())
    record_audit(actor, "payout_batch_downloaded", "payout_batch", batch.id, file="payroll",
                 format=fmt)
    db.session.flush()
    return batch, content


def wage_type_codes() -> dict[str, str]:
    """Every component's wage-type code (``fee:<type>`` keys for fees by type of work)."""
    return {row.component: row.code for row in db.session.scalars(select(WageType))}


def record_batch_download(actor: User, batch_id: int, kind: str) -> PayoutBatch:
    """Finance downloads a batch's bank file (``"pain001"``); every download goes to the
    audit log (the payroll file: `payroll_file`)."""
    batch = _batch_for_finance(actor, batch_id)
    record_audit(actor, "payout_batch_downloaded", "payout_batch", batch.id, file=kind)
    return batch


def mark_batch_paid(actor: User, batch_id: int, now: datetime) -> PayoutBatch:
    """The bank has paid the batch: its items and their assignments become paid and each
    expert is told by e-mail. A batch is paid once (409 the second time)."""
    batch = _batch_for_finance(actor, batch_id, lock=True)
    if not PAYOUT_BATCH.can(batch.status, "mark_paid"):
        raise Conflict("This batch has already been marked paid.", code="batch_already_paid")
    result = db.session.execute(
        update(PayoutBatch)
        .where(PayoutBatch.id == batch.id, PayoutBatch.status == batch.status)
        .values(status=PAYOUT_BATCH.next_state(batch.status, "mark_paid"), paid_at=now,
                paid_by_id=actor.id, execution_date=to_helsinki(now).date())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict("This batch has already been marked paid.", code="batch_already_paid")
    db.session.expire(batch)
    items = _locked_items(PayoutItem.batch_id == batch.id)
    _move_items(items, "in_batch", "mark_paid")
    by_expert: dict[int, list[Row]] = {}
    for item in items:
        if ASSIGNMENT.can(item.assignment.status, "pay"):
            mark_assignment_paid(item.assignment)
        by_expert.setdefault(item.expert_id, []).append(item)
    for own in by_expert.values():
        expert = own[0].expert
        user = expert.user
        queue_mail(user.email, "payout_paid", language=user.language, kind="payout_paid",
                   user_id=user.id, expert=expert, items=own,
                   total=sum((i.total_paid for i in own), Decimal("0.00")),
                   iban=mask_iban(expert.iban), money_url=_money_url())
    record_audit(actor, "payout_batch_paid", "payout_batch", batch.id,
                 item_count=len(items), total_net=batch.total_net)
    db.session.flush()
    publish(BatchPaid(batch.id, tuple(own[0].expert.user_id for own in by_expert.values()), now))
    return batch


def _money_url() -> str:
    return current_app.config["BASE_URL"].rstrip("/") + MONEY_PAGE_PATH


# --- two-factor enrolment -------------------------------------------------------------------


def enrol_totp(actor: User, secret: str, code: object, now: datetime) -> list[str]:
    """Save a finance user's new TOTP secret once they prove their app shows its codes;
    returns their one-time recovery codes."""
    _require_finance(actor)
    codes = second_factor.enrol(actor, secret, code, now)
    db.session.flush()
    return codes
