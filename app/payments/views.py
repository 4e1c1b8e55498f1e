"""Invoice pages for organisations and finance, and Stripe's webhook endpoint."""

from __future__ import annotations

import logging

import stripe
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.access import role_required
from app.accounts.models import ADMIN, FINANCE, ORGANISATION_MEMBER
from app.common.errors import DomainError, translated
from app.extensions import csrf, db
from app.organisations.services import organisation_of
from app.payments import services, stripe_gateway
from app.payments.models import INVOICE_STATUSES, Invoice

log = logging.getLogger(__name__)

bp = Blueprint("payments", __name__)


@bp.route("/organisation/invoices")
@role_required(ORGANISATION_MEMBER)
def organisation_invoices():
    organisation = _own_organisation()
    return render_template(
        "payments/organisation_invoices.html",
        organisation=organisation,
        invoices=services.invoices_of_organisation(organisation.id),
    )


@bp.route("/organisation/invoices/<int:invoice_id>")
@role_required(ORGANISATION_MEMBER)
def organisation_invoice(invoice_id: int):
    organisation = _own_organisation()
    try:
        invoice = services.invoice_of_organisation(organisation.id, invoice_id)
    except DomainError:
        abort(404)
    return render_template("payments/invoice_detail.html", invoice=invoice,
                           organisation=organisation, for_finance=False)


@bp.route("/finance/invoices")
@role_required(FINANCE, ADMIN)
def finance_invoices():
    status = request.args.get("status", "")
    if status not in INVOICE_STATUSES:
        status = ""
    return render_template(
        "payments/finance_invoices.html",
        invoices=services.all_invoices(status or None),
        status=status,
        statuses=INVOICE_STATUSES,
    )


@bp.route("/finance/invoices/<int:invoice_id>")
@role_required(FINANCE, ADMIN)
def finance_invoice(invoice_id: int):
    invoice = db.session.get(Invoice, invoice_id) or abort(404)
    return render_template("payments/invoice_detail.html", invoice=invoice,
                           organisation=invoice.organisation, for_finance=True)


@bp.route("/finance/invoices/<int:invoice_id>/paid", methods=["POST"])
@role_required(FINANCE, ADMIN)
def mark_paid(invoice_id: int):
    try:
        invoice = services.mark_invoice_paid(current_user, invoice_id)
    except DomainError as error:
        db.session.rollback()
        if error.status == 404:
            abort(404)
        flash(translated(error), "error")
    else:
        db.session.commit()
        flash(_("Invoice %(number)s is marked paid.", number=invoice.number), "success")
    return redirect(url_for("payments.finance_invoice", invoice_id=invoice_id))


@bp.route("/stripe/webhook", methods=["POST"])
@csrf.exempt
def stripe_webhook():
    """Stripe's events: the signature is checked on the raw body before anything else."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        return jsonify(error="webhooks are not configured"), 400
    try:
        event = stripe_gateway.verify_webhook(
            request.get_data(), request.headers.get("Stripe-Signature"), secret
        )
    except (stripe.SignatureVerificationError, ValueError):
        return jsonify(error="invalid signature or payload"), 400
    outcome = services.handle_stripe_event(event)
    db.session.commit()
    log.info("stripe event %s (%s): %s", event.id, event.type, outcome)
    return jsonify(received=True, outcome=outcome), 200


def _own_organisation():
    try:
        return organisation_of(current_user)
    except DomainError:
        abort(403)
