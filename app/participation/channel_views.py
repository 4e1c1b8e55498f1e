"""The public anonymous feedback form: no account, no identifier stored, rate limited."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_babel import gettext as _

from app.common.errors import DomainError
from app.extensions import db, limiter
from app.participation import channel
from app.participation.forms import ChannelForm
from app.web.forms import attach_error

bp = Blueprint("channel", __name__, url_prefix="/feedback")

#: Posts per address; the eleventh within a minute gets the friendly "wait a moment" page.
POST_LIMIT = "10 per minute"


@bp.errorhandler(429)
def too_many_posts(error):
    return render_template("participation/channel_limited.html"), 429


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
    return render_template("participation/channel_form.html", form=form), status


@bp.route("/thanks")
def thanks():
    return render_template("participation/channel_thanks.html")
