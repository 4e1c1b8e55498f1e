"""The administrator's pages: users and roles, the audit log, expertise areas, settings."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.accounts.access import role_required
from app.accounts.models import ADMIN, ROLES, User
from app.admin import users as admin_users
from app.admin.forms import AreaForm, AuditFilterForm, RoleForm, SettingsForm, UserSearchForm
from app.admin.services import (
    CHOICE_SETTINGS,
    SETTINGS,
    get_choice_setting,
    get_setting,
    set_choice_setting,
    set_setting,
)
from app.audit import queries as audit_queries
from app.audit.labels import action_label
from app.audit.models import AuditEntry
from app.common.errors import DomainError, translated
from app.common.paging import parse_limit
from app.extensions import db
from app.fees.errors import FeeError
from app.fees.services import schedule_in_force
from app.fees.views import today_in_helsinki
from app.reference import areas as area_services
from app.reference.areas import AreaNames
from app.reference.models import ExpertiseArea, Municipality, Postcode
from app.web.labels import ROLE, label

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@role_required(ADMIN)
def dashboard():
    counts = {
        "areas": db.session.scalar(select(func.count()).select_from(ExpertiseArea)),
        "municipalities": db.session.scalar(select(func.count()).select_from(Municipality)),
        "postcodes": db.session.scalar(select(func.count()).select_from(Postcode)),
    }
    users = db.session.scalar(select(func.count()).select_from(User))
    try:
        schedule = schedule_in_force(today_in_helsinki())
    except FeeError:
        schedule = None
    return render_template("admin/dashboard.html", counts=counts, users=users,
                           schedule=schedule)


# --- Users ------------------------------------------------------------------------------------


def _role_choices(empty_label: str | None) -> list[tuple[str, str]]:
    choices = [(role, label(ROLE, role)) for role in ROLES]
    return [("", empty_label)] + choices if empty_label else choices


@bp.route("/users")
@role_required(ADMIN)
def users():
    form = UserSearchForm(request.args)
    form.role.choices = _role_choices(_("All roles"))
    page, status = None, 200
    try:
        limit = parse_limit(request.args.get("limit"))
        filters = admin_users.UserFilters.parse(form.q.data, form.role.data, form.state.data)
        page = admin_users.users_page(filters, cursor=request.args.get("cursor"), limit=limit)
    except DomainError as error:
        _field_error(form, error)
        status = 422
    return render_template("admin/users.html", form=form, page=page), status


def _field_error(form, error: DomainError) -> None:
    """Show a service's error on the form field it names (or above the form)."""
    names = {"from": "start", "to": "end", "actor_id": "actor"}
    name = names.get(error.field or "", error.field or "")
    target = getattr(form, name, None) if name else None
    if target is not None and hasattr(target, "errors"):
        target.errors = [*target.errors, translated(error)]
    else:
        flash(translated(error), "error")


def _user_or_404(user_id: int) -> User:
    try:
        return admin_users.user_for_admin(user_id)
    except DomainError:
        abort(404)


def _role_form(user: User, formdata=None) -> RoleForm:
    form = RoleForm(formdata) if formdata is not None else RoleForm(role=user.role)
    form.role.choices = _role_choices(None)
    form.organisation_id.choices = [("", _("Choose an organisation"))] + [
        (str(key), name) for key, name in admin_users.organisation_choices()]
    return form


@bp.route("/users/<int:user_id>")
@role_required(ADMIN)
def user_detail(user_id: int):
    user = _user_or_404(user_id)
    return _render_user(user, _role_form(user))


def _render_user(user: User, form: RoleForm, status: int = 200):
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.subject_type == "user",
                                 AuditEntry.subject_id == str(user.id))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(10)).all()
    return render_template("admin/user.html", user=user, form=form, entries=entries,
                           actors=audit_queries.actors_of(list(entries)),
                           action_label=action_label), status


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@role_required(ADMIN)
def change_role(user_id: int):
    user = _user_or_404(user_id)
    form = _role_form(user, request.form)
    if not form.validate_on_submit():
        return _render_user(user, form, 422)
    try:
        admin_users.change_role(current_user, user, form.role.data, form.organisation_id.data)
    except DomainError as error:
        db.session.rollback()
        user = _user_or_404(user_id)
        _field_error(form, error)
        return _render_user(user, form, 422 if error.status == 422 else 409)
    db.session.commit()
    flash(_("The role of %(email)s was changed.", email=user.email), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@role_required(ADMIN)
def set_active(user_id: int):
    user = _user_or_404(user_id)
    wanted = request.form.get("active")
    try:
        if wanted == "0":
            admin_users.deactivate_user(current_user, user)
            message = _("The account of %(email)s was deactivated.", email=user.email)
        elif wanted == "1":
            admin_users.reactivate_user(current_user, user)
            message = _("The account of %(email)s can be used again.", email=user.email)
        else:
            abort(400)
    except DomainError as error:
        db.session.rollback()
        flash(translated(error), "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("admin.user_detail", user_id=user_id))


# --- The audit log ----------------------------------------------------------------------------


def _audit_form() -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    actions, types = audit_queries.known_values()
    form.action.choices = [("", _("Any action"))] + sorted(
        ((a, action_label(a)) for a in actions), key=lambda pair: pair[1].lower())
    form.object_type.choices = [("", _("Any type"))] + [(t, t) for t in types]
    return form


def _audit_filters(form: AuditFilterForm) -> audit_queries.AuditFilters:
    return audit_queries.AuditFilters.parse({
        "actor": form.actor.data or "", "action": form.action.data or "",
        "object_type": form.object_type.data or "", "object_id": form.object_id.data or "",
        "from": form.start.data or "", "to": form.end.data or "",
    }, actor_field="actor")


@bp.route("/audit")
@role_required(ADMIN)
def audit_log():
    form = _audit_form()
    page, actors, status = None, {}, 200
    try:
        filters = _audit_filters(form)
        page = audit_queries.audit_page(filters, cursor=request.args.get("cursor"),
                                        limit=parse_limit(request.args.get("limit")))
        actors = audit_queries.actors_of(page.items)
    except DomainError as error:
        _field_error(form, error)
        status = 422
    csv_args = {key: value for key, value in request.args.items()
                if key not in ("cursor", "limit")}
    return render_template("admin/audit.html", form=form, page=page, actors=actors,
                           csv_args=csv_args, action_label=action_label), status


@bp.route("/audit.csv")
@role_required(ADMIN)
def audit_log_csv():
    form = _audit_form()
    try:
        text = audit_queries.export_csv(current_user, _audit_filters(form))
    except DomainError as error:
        db.session.rollback()
        flash(translated(error), "error")
        return redirect(url_for("admin.audit_log", **request.args))
    db.session.commit()
    return Response(text, mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="audit-log.csv"'})


# --- Expertise areas --------------------------------------------------------------------------


def _names(form: AreaForm) -> AreaNames:
    return AreaNames(fi=form.name_fi.data or "", sv=form.name_sv.data or "",
                     en=form.name_en.data or "")


@bp.route("/areas", methods=["GET", "POST"])
@role_required(ADMIN)
def areas():
    form = AreaForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                area = area_services.add_area(current_user, _names(form))
            except DomainError as error:
                db.session.rollback()
                _field_error(form, error)
                status = 422
            else:
                db.session.commit()
                flash(_("The expertise area %(name)s was added.", name=area.name_fi), "success")
                return redirect(url_for("admin.areas"))
        else:
            status = 422
    return render_template("admin/areas.html", form=form,
                           areas=area_services.all_areas()), status


@bp.route("/areas/<int:area_id>", methods=["GET", "POST"])
@role_required(ADMIN)
def area_detail(area_id: int):
    area = db.session.get(ExpertiseArea, area_id) or abort(404)
    form = AreaForm(obj=area) if request.method == "GET" else AreaForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                area_services.rename_area(current_user, area.id, _names(form))
            except DomainError as error:
                db.session.rollback()
                area = db.session.get(ExpertiseArea, area_id)
                _field_error(form, error)
                status = 422
            else:
                db.session.commit()
                flash(_("The names were saved."), "success")
                return redirect(url_for("admin.areas"))
        else:
            status = 422
    return render_template("admin/area.html", form=form, area=area), status


@bp.route("/areas/<int:area_id>/<any(retire, restore, up, down):change>", methods=["POST"])
@role_required(ADMIN)
def change_area(area_id: int, change: str):
    try:
        if change in ("up", "down"):
            area_services.move_area(current_user, area_id, change)
        else:
            area_services.set_area_active(current_user, area_id, change == "restore")
    except DomainError as error:
        db.session.rollback()
        if error.status == 404:
            abort(404)
        flash(translated(error), "error")
    else:
        db.session.commit()
        flash(_("The list of expertise areas was updated."), "success")
    return redirect(url_for("admin.areas") + f"#area-{area_id}")


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
