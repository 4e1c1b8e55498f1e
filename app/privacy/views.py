"""The account page: download my data, close my account; staff close an account on request."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from app.accounts.access import role_required
from app.accounts.models import ADMIN, COORDINATOR, User
from app.common.errors import DomainError, translated
from app.common.timeutil import to_helsinki, utcnow
from app.extensions import db
from app.privacy import services
from app.privacy.forms import CloseAccountForm, ExportForm, StaffCloseAccountForm
from app.web.forms import attach_error

bp = Blueprint("privacy", __name__)


@bp.route("/account")
@login_required
def account():
    return render_template("privacy/account.html", export_form=ExportForm(),
                           can_close=current_user.role in services.SELF_SERVICE_ROLES)


@bp.route("/account/export", methods=["POST"])
@login_required
def export():
    now = utcnow()  # the app-wide CSRF check has already accepted the form
    content = services.export_data(current_user, current_user.id, now)
    db.session.commit()
    return send_file(io.BytesIO(content), mimetype="application/zip", as_attachment=True,
                     download_name=f"kokemuspankki-{to_helsinki(now):%Y-%m-%d}.zip")


@bp.route("/account/close", methods=["GET", "POST"])
@login_required
def close():
    if current_user.role not in services.SELF_SERVICE_ROLES:
        abort(403)
    form = CloseAccountForm()
    status = 200
    if form.validate_on_submit():
        try:
            result = services.close_own_account(current_user, form.password.data)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            services.remove_files(result)
            logout_user()
            flash(_("Your account is closed. Thank you for your work with us."), "success")
            return redirect(url_for("web.index"))
    if request.method == "POST":
        status = 422
    return render_template("privacy/close.html", form=form,
                           preview=services.preview_closure(current_user)), status


@bp.route("/privacy/users/<int:user_id>/close", methods=["GET", "POST"])
@role_required(COORDINATOR, ADMIN)
def staff_close(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = StaffCloseAccountForm()
    status = 200
    if form.validate_on_submit():
        try:
            result = services.close_account_on_request(current_user, user.id)
        except DomainError as error:
            db.session.rollback()
            flash(translated(error), "error")
            status = error.status
        else:
            db.session.commit()
            services.remove_files(result)
            flash(_("The account is closed."), "success")
            return redirect(url_for("web.home"))
    elif request.method == "POST":
        status = 422
    return render_template("privacy/staff_close.html", form=form, user=user,
                           preview=services.preview_closure(user)), status
