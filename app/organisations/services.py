"""Organisation services: its members and details, always within the actor's organisation."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import User
from app.audit.services import record_audit
from app.common.errors import InvalidInput, NotFound, PermissionDenied
from app.extensions import db
from app.organisations.einvoice import normalize_operator, normalize_ovt
from app.organisations.models import Membership, Organisation


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
