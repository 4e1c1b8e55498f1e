"""The anonymous channel: the public form (blueprint ``channel``: no account, no identifier
stored, rate limited) and the coordinators' inbox with what organisations receive
(blueprint ``channel_staff``)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.models import ORGANISATION_MEMBER
from app.common.errors import DomainError, InvalidInput, translated
from app.common.paging import parse_limit
from app.extensions import db, limiter
from app.organisations.services import organisations_by_name
from app.participation.channel import services as channel
from app.participation.channel.forms import ChannelForm, ForwardForm, TagForm
from app.web.actions import guard as _guard
from app.web.actions import post_action as _action
from app.web.forms import attach_error

bp = Blueprint("channel", __name__, url_prefix="/feedback")
staff_bp = Blueprint("channel_staff", __name__, url_prefix="/participation")

#: Posts per address; the eleventh within a minute gets the friendly "wait a moment" page.
POST_LIMIT = "10 per minute"


@bp.errorhandler(429)
def too_many_posts(error):
    return render_template("participation/channel/limited.html"), 429


@bp.route("/", methods=["GET", "POST"])
@limiter.limit(POST_LIMIT, methods=["POST"])
def form():
    secret = current_app.config["SECRET_KEY"]
    form = ChannelForm()
    status = 200
    if form.validate_on_submit():
        post = channel.ChannelPost(topic=form.topic.data, text=form.text.data or "",
                                   about=form.about.data or "", token=form.form_token.data or "",
                                   honeypot=form.website.data or "")
        try:
            outcome, _row = channel.receive(secret, post)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
            status = 422
        else:
            if outcome in (channel.STORED, channel.DROPPED):
                db.session.commit()
                return redirect(url_for("channel.thanks"))
            form.text.errors = list(form.text.errors) + [
                _("Please check your message and press the button again to send it.")]
            status = 422
    elif form.is_submitted():
        status = 422
    form.form_token.data = channel.make_form_token(secret)
    form.website.data = ""
    return render_template("participation/channel/form.html", form=form), status


@bp.route("/thanks")
def thanks():
    return render_template("participation/channel/thanks.html")


# --- Anonymous feedback: the coordinators' inbox, and what organisations receive --------------


@staff_bp.route("/channel")
@login_required
def channel_inbox():
    status = request.args.get("status") or None
    tag = request.args.get("tag") or None
    if status not in (None, "new", "read", "forwarded", "archived"):
        status = None
    code = 200
    try:
        page = _guard(channel.inbox_page, current_user, status, tag,
                      cursor=request.args.get("cursor") or None,
                      limit=parse_limit(request.args.get("limit")))
    except InvalidInput as error:
        flash(translated(error), "error")
        page = _guard(channel.inbox_page, current_user, status, tag, cursor=None,
                      limit=parse_limit(None))
        code = 422
    return render_template("participation/channel/inbox.html", page=page, messages=page.items,
                           status=status, tag=tag, tags=channel.all_tags()), code


@staff_bp.route("/channel/<int:message_id>")
@login_required
def channel_message(message_id: int):
    message = _guard(channel.mark_read, current_user, message_id)
    db.session.commit()
    tag_form = TagForm(tags=", ".join(t.tag for t in message.tags))
    forward_form = ForwardForm()
    forward_form.organisation_id.choices = [(0, _("Choose an organisation"))] + [
        (o.id, o.name) for o in organisations_by_name()]
    return render_template("participation/channel/message.html", message=message,
                           tag_form=tag_form, forward_form=forward_form)


@staff_bp.route("/channel/<int:message_id>/tags", methods=["POST"])
@login_required
def channel_tags(message_id: int):
    form = TagForm()
    form.validate()
    return _action(lambda: channel.set_tags(current_user, message_id, form.tags.data or ""),
                   _("The tags were saved."),
                   url_for("channel_staff.channel_message", message_id=message_id))


@staff_bp.route("/channel/<int:message_id>/forward", methods=["POST"])
@login_required
def channel_forward(message_id: int):
    organisation_id = request.form.get("organisation_id", type=int)
    note = request.form.get("note", "")
    return _action(lambda: channel.forward(current_user, message_id, organisation_id, note),
                   _("The message was forwarded to the organisation."),
                   url_for("channel_staff.channel_message", message_id=message_id))


@staff_bp.route("/channel/<int:message_id>/<action>", methods=["POST"])
@login_required
def channel_archive(message_id: int, action: str):
    if action not in ("archive", "restore"):
        abort(404)
    return _action(lambda: channel.archive(current_user, message_id, action == "restore"),
                   _("The message was archived.") if action == "archive"
                   else _("The message was restored."),
                   url_for("channel_staff.channel_message", message_id=message_id))


@staff_bp.route("/channel/forwarded")
@login_required
def channel_forwarded():
    """Anonymous messages the bank forwarded to the user's organisation."""
    if current_user.role != ORGANISATION_MEMBER:
        abort(403)
    code = 200
    try:
        page = channel.forwarded_page(current_user, cursor=request.args.get("cursor") or None,
                                      limit=parse_limit(request.args.get("limit")))
    except InvalidInput as error:
        flash(translated(error), "error")
        page = channel.forwarded_page(current_user, cursor=None, limit=parse_limit(None))
        code = 422
    return render_template("participation/channel/forwarded.html", page=page,
                           messages=page.items), code
