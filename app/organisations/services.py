"""Organisation services: its members and details, always within the actor's organisation,
and the coordinators' vetting of new organisations (the one owner of `ORGANISATION`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import ADMIN, COORDINATOR, ORGANISATION_MEMBER, User
from app.audit.services import record_audit
from app.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.common.events import publish
from app.common.timeutil import utcnow
from app.extensions import db
from app.mail.services import queue_mail
from app.organisations.einvoice import normalize_operator, normalize_ovt
from app.organisations.events import OrganisationApproved
from app.organisations.models import Membership, Organisation
from app.organisations.states import ORGANISATION


def organisation_of(user: User) -> Organisation:
    if user.organisation_id is None:
        raise PermissionDenied("You are not a member of an organisation.")
    return db.session.get(Organisation, user.organisation_id)


def members_of(organisation_id: int) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership)
            .join(Membership.user)
            .where(Membership.organisation_id == organisation_id, User.active.is_(True))
            .order_by(User.full_name)
        )
    )


def remove_member(actor: User, user_id: int) -> User:
    """An organisation administrator closes a colleague's access to the organisation."""
    if not actor.is_organisation_admin:
        raise PermissionDenied("Only the organisation's administrator can remove members.")
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user_id))
    if membership is None or membership.organisation_id != actor.organisation_id:
        raise NotFound("The member was not found.", code="member_not_found")
    if membership.user_id == actor.id:
        raise PermissionDenied("You cannot remove yourself.")
    membership.user.active = False
    record_audit(actor, "member_removed", "user", user_id, organisation=membership.organisation_id)
    return membership.user


def organisations_by_name() -> list[Organisation]:
    """Every organisation, for the staff's choosers."""
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))


def update_billing_details(actor: User, einvoice_address: str | None,
                           einvoice_operator: str | None, billing_reference: str | None
                           ) -> Organisation:
    """The organisation's administrator sets its e-invoice address, operator and reference.

    The e-invoice address is the organisation's own OVT code (0037 + its business
    ID's digits + an optional suffix of up to 5 letters or digits); an address
    needs its operator and an operator needs an address. Empty values clear them.
    Flushes; the caller commits.
    """
    if not actor.is_organisation_admin:
        raise PermissionDenied("Only the organisation's administrator can change these details.")
    organisation = organisation_of(actor)
    address = (einvoice_address or "").strip()
    operator = (einvoice_operator or "").strip()
    reference = (billing_reference or "").strip()
    if address:
        address = normalize_ovt(address, organisation.business_id)
        if address is None:
            raise InvalidInput(
                "The e-invoice address is 0037, then the 8 digits of your business ID "
                "%(business_id)s without the hyphen, and at most 5 more letters or digits.",
                code="invalid_einvoice_address", field="einvoice_address",
                values={"business_id": organisation.business_id})
    if operator:
        operator = normalize_operator(operator)
        if operator is None:
            raise InvalidInput("The operator ID is the operator's OVT code (0037…) or its "
                               "bank code (BIC), for example NDEAFIHH.",
                               code="invalid_einvoice_operator", field="einvoice_operator")
    if address and not operator:
        raise InvalidInput("Give the operator of the e-invoice address too.",
                           code="operator_required", field="einvoice_operator")
    if operator and not address:
        raise InvalidInput("Give the e-invoice address too.", code="address_required",
                           field="einvoice_address")
    if len(reference) > 100:
        raise InvalidInput("Write at most 100 characters.", code="too_long",
                           field="billing_reference")
    old = (organisation.einvoice_address, organisation.einvoice_operator,
           organisation.billing_reference)
    organisation.einvoice_address = address or None
    organisation.einvoice_operator = operator or None
    organisation.billing_reference = reference or None
    record_audit(actor, "billing_details_changed", "organisation", organisation.id,
                 old=list(old), new=[address or None, operator or None, reference or None])
    db.session.flush()
    return organisation


# --- Vetting: a new organisation waits for a coordinator's approval ----------------------------


#: The error code of everything a not-yet-approved organisation may not do.
NOT_APPROVED = "organisation_not_approved"


def require_approved(user: User) -> None:
    """Organisation members may browse experts, see matches and run groups only once their
    organisation is approved; raises `PermissionDenied` with the code `NOT_APPROVED`
    otherwise (staff pass)."""
    if user.role != ORGANISATION_MEMBER:
        return
    organisation = (db.session.get(Organisation, user.organisation_id)
                    if user.organisation_id is not None else None)
    if organisation is None or not organisation.is_approved:
        raise PermissionDenied(
            "Your organisation is waiting for the bank's approval. You can prepare and send "
            "orders; they wait until the organisation is approved.", code=NOT_APPROVED)


def is_approved(organisation_id: int | None) -> bool:
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    return organisation is not None and organisation.is_approved


def _require_coordinator(actor: User) -> None:
    if actor.role not in (COORDINATOR, ADMIN):
        raise PermissionDenied("Only the bank's coordinators can do this.")


def vetting_queue(actor: User) -> list[Organisation]:
    """Organisations waiting for a decision, the oldest first, with their members loaded."""
    _require_coordinator(actor)
    return list(db.session.scalars(
        select(Organisation).where(Organisation.status == "pending")
        .options(selectinload(Organisation.memberships).selectinload(Membership.user))
        .order_by(Organisation.created_at, Organisation.id)))


def organisation_for_vetting(actor: User, organisation_id: int) -> Organisation:
    _require_coordinator(actor)
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound("The organisation was not found.", code="organisation_not_found")
    return organisation


def contacts_of(organisation: Organisation) -> list[User]:
    """The organisation's administrators (its registrant first), for the coordinator."""
    return [m.user for m in sorted(organisation.memberships, key=lambda m: m.id)
            if m.is_admin and m.user.active]


def decide_organisation(actor: User, organisation_id: int, decision: str, reason: str,
                        now: datetime | None = None) -> Organisation:
    """A coordinator approves or rejects an organisation, with a reason that is sent to it.

    Audited; the organisation's billing address and administrators get the decision by
    e-mail. On approval `OrganisationApproved` is published, so that its orders, which
    waited, go forward. Flushes; the caller commits.
    """
    organisation = organisation_for_vetting(actor, organisation_id)
    if decision not in ("approve", "reject"):
        raise InvalidInput("Choose whether to approve or reject the organisation.",
                           code="unknown_decision", field="decision")
    reason = (reason or "").strip()
    if decision == "reject" and not reason:
        raise InvalidInput("Tell the organisation why it was not approved.",
                           code="missing_reason", field="reason")
    if len(reason) > 2000:
        raise InvalidInput("Write at most 2000 characters.", code="too_long", field="reason")
    if not ORGANISATION.can(organisation.status, decision):
        raise Conflict("This organisation has already been decided.",
                       code="organisation_decided")
    now = now or utcnow()
    ORGANISATION.apply(organisation, decision)
    organisation.decided_at = now
    organisation.decided_by_id = actor.id
    organisation.decision_reason = reason
    record_audit(actor, f"organisation_{organisation.status}", "organisation", organisation.id,
                 reason=reason)
    template = f"organisation_{organisation.status}"
    recipients = {organisation.billing_email: None}
    for contact in contacts_of(organisation):
        recipients[contact.email] = contact
    for address, user in recipients.items():
        queue_mail(address, template, language=user.language if user else "fi", kind=template,
                   user_id=user.id if user else None, organisation=organisation,
                   reason=reason)
    db.session.flush()
    if organisation.status == "approved":
        publish(OrganisationApproved(organisation_id=organisation.id, now=now))
    return organisation
