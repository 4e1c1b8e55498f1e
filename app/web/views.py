"""The public pages: landing page, language choice, the signed-in user's home."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from app.web.navigation import dashboard_url, safe_next_url

bp = Blueprint("web", __name__)


@bp.route("/")
def index():
    from app.fees.services import published_fees
    from app.fees.views import today_in_helsinki

    fees = published_fees(today_in_helsinki(), current_app.config["FEE_CACHE_SECONDS"])
    return render_template("web/index.html", fees=fees)


@bp.route("/language/<code>")
def choose_language(code: str):
    """Remember the chosen language for this browser (and for the signed-in user)."""
    if code in current_app.config["LANGUAGES"]:
        session["language"] = code
        if current_user.is_authenticated and current_user.language != code:
            from app.extensions import db

            current_user.language = code
            db.session.commit()
    return redirect(safe_next_url(request.args.get("next")) or url_for("web.index"))


@bp.route("/home")
@login_required
def home():
    return redirect(dashboard_url(current_user))


#: When the accessibility statement was first prepared and when it was last reviewed (the
#: Act on the Provision of Digital Services asks for both; update on every review).
STATEMENT_PREPARED = date(2026, 12, 1)
STATEMENT_REVIEWED = date(2026, 12, 1)


@bp.route("/accessibility")
def accessibility():
    return render_template("web/accessibility.html", prepared=STATEMENT_PREPARED,
                           reviewed=STATEMENT_REVIEWED,
                           feedback_email=current_app.config["ACCESSIBILITY_FEEDBACK_EMAIL"])
