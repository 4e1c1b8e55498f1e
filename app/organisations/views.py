"""The organisation's pages: dashboard, orders, members; the coordinators' vetting queue."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.access import role_required
from app.accounts.forms import InviteColleagueForm, LogoutForm
from app.accounts.models import ADMIN, COORDINATOR, ORGANISATION_MEMBER
from app.accounts.views import sign_in_here
from app.bookings.queries import order_rows_of_organisation
from app.common.errors import DomainError, InvalidInput, translated
from app.common.paging import parse_limit
from app.extensions import db, limiter
from app.organisations import invitations, services
from app.organisations.forms import (
    AcceptColleagueInvitationForm,
    BillingDetailsForm,
    OrderFilterForm,
    VettingForm,
)
from app.web.actions import attempt, guard
from app.web.forms import attach_error
from app.web.labels import ORDER_STATUS, label

bp = Blueprint("organisations", __name__, url_prefix="/organisation")


@bp.route("/")
@role_required(ORGANISATION_MEMBER)
def dashboard():
    organisation = services.organisation_of(current_user)
    form = OrderFilterForm(request.args)
    form.status.choices = [("", _("All orders"))] + [
        (code, label(ORDER_STATUS, code)) for code in ORDER_STATUS]
    page, status = None, 200
    try:
        page = order_rows_of_organisation(
            organisation.id, status=form.status.data or None, cursor=request.args.get("cursor"),
            limit=parse_limit(request.args.get("limit")))
    except InvalidInput as error:
        if error.field == "status":
            form.status.errors = [*form.status.errors, translated(error)]
        else:
            flash(translated(error), "error")
        status = 422
    return render_template("organisations/dashboard.html", organisation=organisation,
                           form=form, page=page), status


@bp.route("/members", methods=["GET", "POST"])
@role_required(ORGANISATION_MEMBER)
def members():
    """The members, the invitations that wait for an answer and (for the administrator) the
    invitation form. Inviting answers the same for every address: whether it has an account
    anywhere is told only to the address itself, by e-mail."""
    organisation = services.organisation_of(current_user)
    form = InviteColleagueForm()
    if request.method == "POST" and not current_user.is_organisation_admin:
        abort(403)
    if form.validate_on_submit():
        try:
            invitations.invite_colleague(current_user, form.full_name.data, form.email.data)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(
                _(
                    "We sent an invitation to %(email)s. %(name)s is in the list of invitations "
                    "until they answer.",
                    email=form.email.data.strip().lower(),
                    name=form.full_name.data.strip(),
                ),
                "success",
            )
            return redirect(url_for("organisations.members"))
    status = 422 if request.method == "POST" and form.errors else 200
    return render_template(
        "organisations/members.html",
        organisation=organisation,
        members=services.members_of(organisation.id),
        invitations=(invitations.pending_invitations(organisation.id)
                     if current_user.is_organisation_admin else []),
        form=form,
    ), status


def _invitation_action(call, invitation_id: int, success):
    """Cancel or resend one of the organisation's invitations (404 for anyone else's)."""
    try:
        invitation = call(current_user, invitation_id)
    except DomainError as error:
        db.session.rollback()
        if error.status in (403, 404):
            abort(error.status)
        flash(translated(error), "error")
    else:
        db.session.commit()
        flash(success(invitation.email), "success")
    return redirect(url_for("organisations.members"))


@bp.route("/invitations/<int:invitation_id>/cancel", methods=["POST"])
@role_required(ORGANISATION_MEMBER)
def cancel_invitation(invitation_id: int):
    return _invitation_action(invitations.cancel_invitation, invitation_id,
                              lambda email: _("The invitation to %(email)s was cancelled. Its "
                                              "link no longer works.", email=email))


@bp.route("/invitations/<int:invitation_id>/resend", methods=["POST"])
@role_required(ORGANISATION_MEMBER)
def resend_invitation(invitation_id: int):
    return _invitation_action(invitations.resend_invitation, invitation_id,
                              lambda email: _("We sent the invitation to %(email)s again. The "
                                              "new link works for 7 days; the old one no longer "
                                              "works.", email=email))


@bp.route("/members/<int:user_id>/remove", methods=["POST"])
@role_required(ORGANISATION_MEMBER)
def remove_member(user_id: int):
    try:
        user = services.remove_member(current_user, user_id)
    except DomainError as error:
        db.session.rollback()
        if error.status == 404:
            abort(404)
        if error.status == 403:
            abort(403)
        flash(translated(error), "error")
    else:
        db.session.commit()
        flash(
            _("%(name)s no longer has access to the organisation.", name=user.full_name), "success"
        )
    return redirect(url_for("organisations.members"))


#: The link page's status for a link that does not work (else 410: it did, but no longer).
_LINK_STATUS = {"token_invalid": 404, "email_taken": 409}


@bp.route("/join/<token>", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def colleague_invitation(token: str):
    """The e-mailed link of a colleague invitation: choose a password and accept, or decline.

    Whoever holds the link may answer (no sign-in needed); a link that no longer works (used,
    declined, cancelled, expired, or its address got an account meanwhile) says why and
    changes nothing. Accepting signs the new member in on this browser."""
    try:
        invitation = invitations.check_link(token)
    except DomainError as error:
        return _invitation_gone(error)
    form = AcceptColleagueInvitationForm()
    if request.method == "GET":
        form.full_name.data = invitation.full_name
    if request.method == "POST" and request.form.get("decision") == "decline":
        if not LogoutForm().validate_on_submit():  # its CSRF token only
            return redirect(url_for("organisations.colleague_invitation", token=token))
        try:
            invitations.decline_invitation(token)
        except DomainError as error:
            db.session.rollback()
            return _invitation_gone(error)
        db.session.commit()
        flash(_("You declined the invitation. No account was made."), "success")
        return redirect(url_for("web.index"))
    if form.validate_on_submit():
        try:
            user = invitations.accept_invitation(token, form.full_name.data, form.password.data)
        except DomainError as error:
            db.session.rollback()
            if error.field is None:
                return _invitation_gone(error)
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Welcome! Your account is ready and you are a member of %(organisation)s.",
                    organisation=invitation.organisation.name), "success")
            return sign_in_here(user)
    status = 422 if request.method == "POST" and form.errors else 200
    return render_template("organisations/colleague_invitation.html", form=form,
                           invitation=invitation, organisation=invitation.organisation), status


def _invitation_gone(error: DomainError):
    return render_template("organisations/colleague_invitation_gone.html",
                           message=translated(error)), _LINK_STATUS.get(error.code, 410)


@bp.route("/settings", methods=["GET", "POST"])
@role_required(ORGANISATION_MEMBER)
def settings():
    """Billing details: the e-invoice address, its operator and the organisation's reference."""
    organisation = services.organisation_of(current_user)
    if request.method == "POST" and not current_user.is_organisation_admin:
        abort(403)
    form = BillingDetailsForm(obj=organisation)
    if form.validate_on_submit() and attempt(
        lambda: services.update_billing_details(current_user, form.einvoice_address.data,
                                                form.einvoice_operator.data,
                                                form.billing_reference.data),
        form=form, success=_("The billing details are saved."),
    ).ok:
        return redirect(url_for("organisations.settings"))
    status = 422 if request.method == "POST" and form.errors else 200
    return render_template("organisations/settings.html", organisation=organisation,
                           form=form), status


# --- coordinators: vetting new organisations ---------------------------------------------------

vetting_bp = Blueprint("vetting", __name__, url_prefix="/coordinator/organisations")


@vetting_bp.route("")
@role_required(COORDINATOR, ADMIN)
def queue():
    return render_template("organisations/vetting_queue.html",
                           organisations=guard(services.vetting_queue, current_user),
                           contacts_of=services.contacts_of)


@vetting_bp.route("/<int:organisation_id>", methods=["GET", "POST"])
@role_required(COORDINATOR, ADMIN)
def decide(organisation_id: int):
    organisation = guard(services.organisation_for_vetting, current_user, organisation_id)
    form = VettingForm()
    if form.validate_on_submit():
        decision = request.form.get("decision", "")
        done = attempt(lambda: services.decide_organisation(
            current_user, organisation_id, decision, form.reason.data or ""), form=form)
        if done.ok:
            flash(_("%(name)s was approved. Its orders go forward.", name=organisation.name)
                  if done.value.status == "approved" else
                  _("%(name)s was not approved. They were told the reason by e-mail.",
                    name=organisation.name), "success")
            return redirect(url_for("vetting.queue"))
    status = 422 if request.method == "POST" else 200
    return render_template("organisations/vetting_detail.html", organisation=organisation,
                           contacts=services.contacts_of(organisation), form=form), status
