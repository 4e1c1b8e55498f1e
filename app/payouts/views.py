"""The finance pages (approval queue, batches, two-factor set-up) and the expert's money pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_date, format_decimal, format_number, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.accounts import totp
from app.accounts.access import role_required
from app.accounts.models import ADMIN, EXPERT, FINANCE
from app.accounts.views import recent_second_factor
from app.common.errors import DomainError, translated
from app.common.paging import parse_limit
from app.common.timeutil import to_helsinki, utcnow
from app.experts.iban import mask_iban
from app.experts.services import masked_identity_code, read_identity_code
from app.extensions import db
from app.fees.services import active_assignment_types
from app.payouts import queries, services
from app.payouts import wage_types as wage_type_service
from app.payouts.forms import (
    ApproveForm,
    BatchForm,
    EditForm,
    PaidForm,
    RejectForm,
    RevealIdentityCodeForm,
    TwoFactorForm,
    wage_type_codes,
    wage_type_field,
    wage_type_form,
)
from app.payouts.statement import statement_csv
from app.payouts.states import PAYOUT_ITEM_STATUSES
from app.web.forms import attach_error
from app.web.templating import localized_name

bp = Blueprint("payouts", __name__, url_prefix="/finance")
money_bp = Blueprint("money", __name__, url_prefix="/expert/money")

#: The session key of a two-factor secret shown but not yet confirmed.
PENDING_SECRET = "pending_totp_secret"
#: Rows of each list on the finance front page (the full lists are paged on their own pages).
DASHBOARD_ROWS = 10


@bp.app_template_filter("percent")
def percent(value: Decimal | None) -> str:
    """A percentage in the page's language: "60 %", "12,5 %"."""
    if value is None:
        return ""
    return format_decimal(Decimal(value), format="#,##0.##") + "\u00a0%"


@bp.app_template_filter("whole_number")
def whole_number(value: int) -> str:
    """A count in the page's language: "5 033" in Finnish, "5,033" in English."""
    return format_number(value)


#: Plain-language names of the batch states.
BATCH_STATUS = {
    "exported": _l("Bank file made, not paid yet"),
    "paid": _l("Paid"),
}


@bp.app_template_filter("batch_status")
def batch_status(code: str) -> str:
    return str(BATCH_STATUS.get(code, code))


@bp.app_template_filter("month_name")
def month_name(month: int, year: int = 2000) -> str:
    """The month's name in the page's language, e.g. "maaliskuu"."""
    return format_date(date(year, month, 1), "LLLL")


@bp.route("/")
@role_required(FINANCE, ADMIN)
def dashboard():
    return render_template(
        "payouts/dashboard.html",
        pending=queries.payout_items("pending_approval", limit=DASHBOARD_ROWS),
        totals=queries.status_totals(),
        batches=queries.batches(limit=DASHBOARD_ROWS),
    )


def _failed(error: DomainError, form=None) -> None:
    """Roll back; unknown objects are a 404 page, other errors a message on the page."""
    db.session.rollback()
    error.after_rollback()
    db.session.commit()
    if error.status == 404:
        abort(404)
    if form is not None:
        attach_error(form, error)
    else:
        flash(translated(error), "error")


# --- the approval queue ---------------------------------------------------------------------


def _paged(load, code: int):
    """``load(cursor, limit)`` of the request's ``cursor`` and ``limit``; a broken page link
    is a message and the first page (422)."""
    try:
        return load(request.values.get("cursor") or None,
                    parse_limit(request.values.get("limit"))), code
    except DomainError as error:
        flash(translated(error), "error")
        return load(None, parse_limit(None)), 422


def _queue_page(status: str | None, form: ApproveForm | None = None, code: int = 200):
    page, code = _paged(lambda cursor, limit: queries.payout_page(status, cursor=cursor,
                                                                  limit=limit), code)
    pending = [i for i in page.items if i.status == "pending_approval"]
    blocked = {item_id: _(services.FOUR_EYES[reason][0]) for item_id, reason in
               services.four_eyes_conflicts(current_user, pending).items()}
    return render_template(
        "payouts/queue.html", page=page, items=page.items, status=status or "all",
        count=queries.payout_count(status), statuses=PAYOUT_ITEM_STATUSES, blocked=blocked,
        approvable=[i for i in pending if i.id not in blocked],
        form=form or ApproveForm(formdata=None), selected=_chosen_ids(form),
    ), code


def _chosen_ids(form: ApproveForm | None) -> set[int]:
    """The payouts ticked when the approval was sent: shown ticked again after an error."""
    if form is None:
        return set()
    return {int(value) for value in request.form.getlist("item_ids") if value.isdigit()}


@bp.route("/payouts")
@role_required(FINANCE, ADMIN)
def queue():
    status = request.args.get("status", "pending_approval")
    if status == "all":
        status = None
    elif status not in PAYOUT_ITEM_STATUSES:
        abort(404)
    return _queue_page(status)


@bp.route("/payouts/approve", methods=["POST"])
@role_required(FINANCE, ADMIN)
def approve():
    form = ApproveForm()
    #: Set when approving one item from its own page: errors are shown there.
    back = request.form.get("back", type=int)
    if form.validate_on_submit():
        try:
            items = services.approve_payout_items(
                current_user, request.form.getlist("item_ids"), form.totp.data, utcnow())
        except DomainError as error:
            _failed(error, form if error.field == "totp" and not back else None)
        else:
            db.session.commit()
            flash(ngettext("Approved %(num)s payout. It can now go into a payment batch.",
                           "Approved %(num)s payouts. They can now go into a payment batch.",
                           len(items)), "success")
            return redirect(url_for("payouts.queue"))
    elif back:
        flash(_("Type the two-factor code."), "error")
    if back:
        return redirect(url_for("payouts.item", item_id=back))
    return _queue_page("pending_approval", form, 422)


def _item_page(item_id: int, reject_form=None, edit_form=None, approve_form=None,
               code: int = 200, identity_code: str | None = None):
    try:
        item = queries.payout_item(item_id)
    except DomainError:
        abort(404)
    blocked = services.four_eyes_conflicts(current_user, [item]).get(item.id)
    if edit_form is None:
        edit_form = EditForm(formdata=None, travel=item.travel, per_diem=item.per_diem)
    return render_template(
        "payouts/item.html", item=item, explanation=queries.explain_item(item),
        blocked=_(services.FOUR_EYES[blocked][0]) if blocked else None,
        reject_form=reject_form or RejectForm(prefix="reject", formdata=None),
        edit_form=edit_form, approve_form=approve_form or ApproveForm(formdata=None),
        iban=mask_iban(item.expert.iban),
        masked_identity_code=masked_identity_code(item.expert),
        identity_code=identity_code, reveal_form=RevealIdentityCodeForm(formdata=None),
    ), code


@bp.route("/payouts/<int:item_id>/identity-code", methods=["POST"])
@role_required(FINANCE)
def reveal_identity_code(item_id: int):
    """Finance sees the payee's identity code in full; the read is audited."""
    form = RevealIdentityCodeForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        found = queries.payout_item(item_id)
        code = read_identity_code(current_user, found.expert_id, purpose="payout_item")
    except DomainError as error:
        abort(error.status)
    db.session.commit()
    return _item_page(item_id, identity_code=code)


@bp.route("/payouts/<int:item_id>")
@role_required(FINANCE, ADMIN)
def item(item_id: int):
    return _item_page(item_id)


@bp.route("/payouts/<int:item_id>/reject", methods=["POST"])
@role_required(FINANCE, ADMIN)
def reject(item_id: int):
    form = RejectForm(prefix="reject")
    if form.validate_on_submit():
        try:
            services.reject_payout_item(current_user, item_id, form.reason.data,
                                        form.totp.data, utcnow())
        except DomainError as error:
            _failed(error, form)
        else:
            db.session.commit()
            flash(_("The payout was rejected. The expert was told the reason by e-mail."),
                  "success")
            return redirect(url_for("payouts.queue"))
    return _item_page(item_id, reject_form=form, code=422)


@bp.route("/payouts/<int:item_id>/edit", methods=["POST"])
@role_required(FINANCE, ADMIN)
def edit(item_id: int):
    form = EditForm()
    if form.validate_on_submit():
        try:
            services.edit_payout_item(current_user, item_id, form.travel.data,
                                      form.per_diem.data, form.reason.data, utcnow())
        except DomainError as error:
            _failed(error, form)
        else:
            db.session.commit()
            flash(_("The amounts were corrected. Another finance user must now approve the "
                    "payout."), "success")
            return redirect(url_for("payouts.item", item_id=item_id))
    return _item_page(item_id, edit_form=form, code=422)


# --- batches --------------------------------------------------------------------------------


#: Approved payouts listed for choosing on the batches page; "all approved" takes every one.
APPROVED_SHOWN = 50


def _batches_page(form: BatchForm | None = None, code: int = 200):
    page, code = _paged(lambda cursor, limit: queries.batch_page(cursor=cursor, limit=limit),
                        code)
    approved = queries.payout_items("approved", limit=APPROVED_SHOWN)
    return render_template(
        "payouts/batches.html", page=page, batches=page.items, approved=approved,
        approved_count=queries.payout_count("approved"), form=form or BatchForm(formdata=None),
        bank_details_changed=services.bank_details_changed(approved),
    ), code


@bp.route("/batches")
@role_required(FINANCE, ADMIN)
def batches():
    return _batches_page()


def _confirm_first(back: str):
    """Money-moving steps need a second factor from the last 15 minutes: ask for one."""
    flash(_("Confirm with your two-factor code first. Then do it again."), "info")
    return redirect(url_for("accounts.confirm_second_factor", next=back))


@bp.route("/batches", methods=["POST"])
@role_required(FINANCE, ADMIN)
def create_batch():
    if not recent_second_factor():
        return _confirm_first(url_for("payouts.batches"))
    form = BatchForm()
    if form.validate_on_submit():
        try:
            chosen = None if request.form.get("all") else request.form.getlist("item_ids")
            batch = services.create_batch(current_user, chosen, utcnow())
        except DomainError as error:
            _failed(error)
        else:
            db.session.commit()
            flash(_("The payment batch was made. Download the bank file and the payroll file "
                    "below."), "success")
            if batch.left_out:
                flash(_("Left out of the batch, because the name has no letters that a bank "
                        "file can carry: %(names)s. Their payouts stay approved. Ask them to "
                        "write their name in Latin letters on their profile.",
                        names=", ".join(batch.left_out)), "error")
            if batch.bank_details_changed:
                flash(_("These experts changed their bank account after their payouts were "
                        "approved: %(names)s. The bank file pays the account each payout was "
                        "approved with.", names=", ".join(batch.bank_details_changed)), "error")
            return redirect(url_for("payouts.batch", batch_id=batch.id))
    return _batches_page(form, 422)


def _batch_page(batch_id: int, paid_form: PaidForm | None = None, code: int = 200):
    try:
        batch = queries.batch(batch_id)
    except DomainError:
        abort(404)
    page, code = _paged(lambda cursor, limit: queries.batch_items_page(
        batch.id, cursor=cursor, limit=limit), code)
    return render_template(
        "payouts/batch.html", batch=batch, page=page, items=page.items,
        paid_form=paid_form or PaidForm(formdata=None),
        bank_details_changed=services.batch_bank_details_changed(batch.id),
    ), code


@bp.route("/batches/<int:batch_id>")
@role_required(FINANCE, ADMIN)
def batch(batch_id: int):
    return _batch_page(batch_id)


def _download(body: str | bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/batches/<int:batch_id>/pain001.xml")
@role_required(FINANCE, ADMIN)
def download_bank_file(batch_id: int):
    if not recent_second_factor():
        return _confirm_first(url_for("payouts.batch", batch_id=batch_id))
    try:
        found = services.record_batch_download(current_user, batch_id, "pain001")
    except DomainError as error:
        abort(error.status)
    db.session.commit()
    return _download(found.sepa_xml, "application/xml",
                     f"{found.sepa_message_id}.xml")


@bp.route("/batches/<int:batch_id>/payroll.csv")
@role_required(FINANCE)
def download_payroll(batch_id: int):
    fmt = request.args.get("format") or "fi"
    try:
        found, content = services.payroll_file(current_user, batch_id, fmt)
    except DomainError as error:
        abort(error.status)
    db.session.commit()
    return _download(content, "text/csv; charset=utf-8",
                     f"{found.sepa_message_id}-payroll-{fmt}.csv")


@bp.route("/batches/<int:batch_id>/paid", methods=["POST"])
@role_required(FINANCE, ADMIN)
def mark_paid(batch_id: int):
    if not recent_second_factor():
        return _confirm_first(url_for("payouts.batch", batch_id=batch_id))
    form = PaidForm()
    if form.validate_on_submit():
        try:
            services.mark_batch_paid(current_user, batch_id, utcnow())
        except DomainError as error:
            _failed(error)
        else:
            db.session.commit()
            flash(_("The batch is marked paid. The experts were told by e-mail."), "success")
            return redirect(url_for("payouts.batch", batch_id=batch_id))
    return _batch_page(batch_id, form, 422)


# --- two-factor set-up ----------------------------------------------------------------------


@bp.route("/two-factor", methods=["GET", "POST"])
@role_required(FINANCE, ADMIN)
def two_factor():
    if current_user.totp_secret:
        return render_template("payouts/two_factor.html", enrolled=True)
    secret = session.get(PENDING_SECRET) or totp.new_secret()
    session[PENDING_SECRET] = secret
    form = TwoFactorForm()
    code = 200
    if form.validate_on_submit():
        try:
            codes = services.enrol_totp(current_user, secret, form.code.data, utcnow())
        except DomainError as error:
            _failed(error, form)
        else:
            db.session.commit()
            session.pop(PENDING_SECRET, None)
            flash(_("Two-factor authentication is on. You can now approve payouts."),
                  "success")
            return render_template("accounts/recovery_codes.html", codes=codes,
                                   next_url=url_for("payouts.queue"))
    if form.is_submitted():
        code = 422
    return render_template(
        "payouts/two_factor.html", enrolled=False, form=form, secret=totp.grouped(secret),
        uri=totp.provisioning_uri(secret, current_user.email),
    ), code


# --- the expert's money pages ---------------------------------------------------------------


def _year(value: int | None) -> int:
    year = value or to_helsinki(utcnow()).year
    if not 2000 <= year <= 2100:
        abort(404)
    return year


@money_bp.route("")
@role_required(EXPERT)
def index():
    profile = current_user.expert_profile
    now = utcnow()
    year = _year(request.args.get("year", type=int))
    earnings = queries.year_earnings(profile, year, now)
    # Months without any work are hidden unless the expert asks for every month.
    all_months = request.args.get("months") == "all"
    months = [m for m in earnings.months if all_months or m.totals.count]
    return render_template(
        "payouts/money.html", profile=profile, earnings=earnings, months=months,
        all_months=all_months, hidden_months=len(earnings.months) - len(months),
        explanations={i.id: queries.explain_item(i) for i in earnings.items},
        years=queries.earning_years(profile.id, now), iban=mask_iban(profile.iban),
    )


@money_bp.route("/<int:year>/statement")
@role_required(EXPERT)
def statement(year: int):
    profile = current_user.expert_profile
    earnings = queries.year_earnings(profile, _year(year), utcnow())
    return render_template("payouts/statement.html", profile=profile, earnings=earnings,
                           iban=mask_iban(profile.iban), printed_at=utcnow())


@money_bp.route("/<int:year>/statement.csv")
@role_required(EXPERT)
def statement_download(year: int):
    profile = current_user.expert_profile
    earnings = queries.year_earnings(profile, _year(year), utcnow())
    response = Response(statement_csv(earnings), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="kokemuspankki-{earnings.year}.csv"')
    response.headers["Cache-Control"] = "no-store"
    return response


# --- wage types of the payroll file (administrator) ---------------------------------------


@bp.route("/wage-types", methods=["GET", "POST"])
@role_required(ADMIN)
def wage_types():
    rows = wage_type_service.wage_type_rows()
    names = {t.code: localized_name(t) for t in active_assignment_types()}
    form = wage_type_form(rows, names, formdata=request.form if request.method == "POST"
                          else None)
    if request.method == "POST" and form.validate():
        try:
            changed = wage_type_service.update_wage_types(current_user,
                                                          wage_type_codes(form, rows), utcnow())
        except DomainError as error:
            db.session.rollback()
            if error.field and error.field in {row.component for row in rows}:
                wage_type_field(form, error.field).errors = [translated(error)]
            else:
                flash(translated(error), "error")
        else:
            db.session.commit()
            flash(ngettext("%(num)d wage type was changed.", "%(num)d wage types were changed.",
                           len(changed)), "success")
            return redirect(url_for("payouts.wage_types"))
    fields = [wage_type_field(form, row.component) for row in rows]
    return render_template("payouts/wage_types.html", form=form, fields=fields), (
        422 if request.method == "POST" else 200)
