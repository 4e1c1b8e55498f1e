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
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.access import role_required
from app.accounts.models import ADMIN, FINANCE, ORGANISATION_MEMBER
from app.common.errors import DomainError, InvalidInput, translated
from app.common.paging import parse_limit
from app.common.timeutil import to_helsinki, utcnow
from app.extensions import csrf, db
from app.organisations.services import organisation_of
from app.payments import services, stripe_gateway
from app.payments.forms import BankPaymentForm, BankPaymentsFileForm, ServiceFeeForm
from app.payments.models import INVOICE_STATUSES, Invoice
from app.payments.reference_numbers import format_finnish, format_rf, rf_reference
from app.web.actions import attempt
from app.web.forms import attach_error
from app.web.templating import euros as format_eur

log = logging.getLogger(__name__)

bp = Blueprint("payments", __name__)


@bp.app_template_filter("reference")
def reference_filter(reference: str | None) -> str:
    """A Finnish reference number in groups of five digits, as banks print it."""
    return format_finnish(reference) if reference else ""


@bp.app_template_filter("rf_reference")
def rf_reference_filter(reference: str | None) -> str:
    """The RF creditor reference of a Finnish reference number, in groups of four."""
    return format_rf(rf_reference(reference)) if reference else ""


@bp.app_template_filter("percent")
def percent_filter(value) -> str:
    """A VAT rate such as 25.5 in the page's language ("25,5 %")."""
    return _("%(value)s %%", value=format_decimal(value)) if value is not None else ""


@bp.route("/organisation/invoices")
@role_required(ORGANISATION_MEMBER)
def organisation_invoices():
    organisation = _own_organisation()
    page, code = _invoice_page(None)
    return render_template(
        "payments/organisation_invoices.html",
        organisation=organisation, page=page, invoices=page.items,
    ), code


def _invoice_page(status: str | None):
    """One page of the invoices the user may see; a broken page link gives the first (422)."""
    try:
        return services.invoices_for(current_user, status=status,
                                     cursor=request.args.get("cursor") or None,
                                     limit=parse_limit(request.args.get("limit"))), 200
    except InvalidInput as error:
        flash(translated(error), "error")
        return services.invoices_for(current_user, status=status, cursor=None,
                                     limit=parse_limit(None)), 422


@bp.route("/organisation/invoices/<int:invoice_id>")
@role_required(ORGANISATION_MEMBER)
def organisation_invoice(invoice_id: int):
    organisation = _own_organisation()
    try:
        invoice = services.invoice_of_organisation(organisation.id, invoice_id)
    except DomainError:
        abort(404)
    return render_template("payments/invoice_detail.html", invoice=invoice,
                           organisation=organisation, for_finance=False,
                           account=services.payee_account())


@bp.route("/finance/invoices")
@role_required(FINANCE, ADMIN)
def finance_invoices():
    status = request.args.get("status", "")
    if status not in INVOICE_STATUSES:
        status = ""
    page, code = _invoice_page(status or None)
    return render_template(
        "payments/finance_invoices.html",
        page=page, invoices=page.items,
        status=status,
        statuses=INVOICE_STATUSES,
    ), code


@bp.route("/finance/invoices/<int:invoice_id>")
@role_required(FINANCE, ADMIN)
def finance_invoice(invoice_id: int):
    invoice = db.session.get(Invoice, invoice_id) or abort(404)
    return render_template("payments/invoice_detail.html", invoice=invoice,
                           organisation=invoice.organisation, for_finance=True,
                           account=services.payee_account())


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


@bp.route("/finance/bank-payments", methods=["GET", "POST"])
@role_required(FINANCE, ADMIN)
def bank_payments():
    """Register one bank transfer by its reference number."""
    form = BankPaymentForm()
    if form.validate_on_submit():
        try:
            result = services.register_bank_payment(
                current_user, form.reference.data,
                services.parse_bank_amount(form.amount.data),
                services.parse_bank_date(form.paid_on.data), form.archive_id.data)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_payment_message(result.outcome, result.invoice), "success")
            return redirect(url_for("payments.bank_payments"))
    status = 422 if request.method == "POST" and form.errors else 200
    return render_template("payments/bank_payments.html", form=form,
                           file_form=BankPaymentsFileForm(formdata=None), results=None), status


@bp.route("/finance/bank-payments/file", methods=["POST"])
@role_required(FINANCE, ADMIN)
def bank_payments_file():
    """Register the payments of an uploaded CSV file; the page lists what happened per row."""
    file_form = BankPaymentsFileForm()
    results = None
    if file_form.validate_on_submit():
        try:
            results = services.register_bank_payments_csv(
                current_user, file_form.file.data.read(services.MAX_CSV_BYTES + 1))
        except DomainError as error:
            db.session.rollback()
            attach_error(file_form, error)
        else:
            db.session.commit()
    status = 200 if results is not None else 422
    return render_template("payments/bank_payments.html", form=BankPaymentForm(formdata=None),
                           file_form=file_form, results=results,
                           message=_payment_message), status


def _payment_message(outcome: str, invoice: Invoice) -> str:
    if outcome == "paid":
        return _("Invoice %(number)s is paid.", number=invoice.number)
    if outcome == "partly_paid":
        return _("Invoice %(number)s is partly paid. Still missing: %(missing)s.",
                 number=invoice.number, missing=format_eur(invoice.missing))
    return _("This transfer was already registered to invoice %(number)s. Nothing changed.",
             number=invoice.number)


@bp.route("/admin/service-fees", methods=["GET", "POST"])
@role_required(ADMIN)
def service_fees():
    """The bank's service fee on invoices, versioned by date like the fee schedules."""
    form = ServiceFeeForm()
    if form.validate_on_submit() and attempt(
        lambda: services.add_service_fee_rate(current_user, form.effective_from.data,
                                              form.kind.data, form.value.data, today=_today()),
        form=form, success=_("The service fee is saved."),
    ).ok:
        return redirect(url_for("payments.service_fees"))
    status = 422 if request.method == "POST" and form.errors else 200
    return render_template("payments/service_fees.html", form=form,
                           rates=services.service_fee_rates(),
                           in_force=services.service_fee_rate_on(_today())), status


def _today():
    return to_helsinki(utcnow()).date()


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
