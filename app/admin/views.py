"""The administrator's pages: users and roles, reference data overview."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.accounts import services as account_services
from app.accounts.access import role_required
from app.accounts.models import ADMIN, ROLES, User
from app.admin.forms import SettingsForm
from app.admin.services import (
    CHOICE_SETTINGS,
    SETTINGS,
    get_choice_setting,
    get_setting,
    set_choice_setting,
    set_setting,
)
from app.common.errors import DomainError, translated
from app.extensions import db
from app.fees.errors import FeeError
from app.fees.services import schedule_in_force
from app.fees.views import today_in_helsinki
from app.reference.models import ExpertiseArea, Municipality, Postcode

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@role_required(ADMIN)
def dashboard():
    users = db.session.scalars(select(User).order_by(User.role, User.email)).all()
    counts = {
        "areas": db.session.scalar(select(func.count()).select_from(ExpertiseArea)),
        "municipalities": db.session.scalar(select(func.count()).select_from(Municipality)),
        "postcodes": db.session.scalar(select(func.count()).select_from(Postcode)),
    }
    try:
        schedule = schedule_in_force(today_in_helsinki())
    except FeeError:
        schedule = None
    return render_template(
        "admin/dashboard.html", users=users, roles=ROLES, counts=counts, schedule=schedule
    )


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@role_required(ADMIN)
def change_role(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    try:
        account_services.change_role(current_user, user, request.form.get("role", ""))
    except DomainError as error:
        db.session.rollback()
        flash(translated(error), "error")
    else:
        db.session.commit()
        flash(_("The role of %(email)s was changed.", email=user.email), "success")
    return redirect(url_for("admin.dashboard"))


@bp.route("/settings", methods=["GET", "POST"])
@role_required(ADMIN)
def settings():
    form = SettingsForm(**{key: get_choice_setting(key) for key in CHOICE_SETTINGS})
    if request.method == "GET":
        for key in SETTINGS:
            getattr(form, key).data = get_setting(key)
    if form.validate_on_submit():
        try:
            for key in SETTINGS:
                value = getattr(form, key).data
                if value != get_setting(key):
                    set_setting(current_user, key, value)
            for key in CHOICE_SETTINGS:
                value = getattr(form, key).data
                if value != get_choice_setting(key):
                    set_choice_setting(current_user, key, value)
        except DomainError as error:
            db.session.rollback()
            flash(translated(error), "error")
        else:
            db.session.commit()
            flash(_("The settings are saved."), "success")
            return redirect(url_for("admin.settings"))
    return render_template("admin/settings.html", form=form), (
        422 if request.method == "POST" and form.errors else 200)
