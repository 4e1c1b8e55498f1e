"""Kokemuspankki: the application factory."""

from __future__ import annotations

import os

from flask import Flask

from config import Config, config_for_environment, local_secret_key


def create_app(config_class: type[Config] | None = None, **overrides) -> Flask:
    """Build the Flask app: configuration, extensions, blueprints, CLI commands."""
    app = Flask(
        __name__,
        template_folder="../templates",
        instance_path=os.environ.get("INSTANCE_PATH") or None,
    )
    app.config.from_object(config_class or config_for_environment())
    app.config.update(overrides)
    _ensure_secret_key(app)
    os.makedirs(app.instance_path, exist_ok=True)
    _trust_proxies(app)

    from app import models  # noqa: F401  (register every model with the metadata)
    from app.extensions import babel, csrf, db, limiter, login_manager, migrate
    from app.ops import init_app as init_operations
    from app.web import errors, locale, security, templating

    security.install_converters(app)  # before any route: ids beyond the database are 404
    init_operations(app)  # first, so that its request hooks run before the others
    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=os.path.join(app.root_path, "..", "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(
        app, locale_selector=locale.select_locale_object, timezone_selector=locale.select_timezone
    )

    from app.accounts.passwords import configure_hasher

    configure_hasher(app.config["PASSWORD_HASH_TIME_COST"], app.config["PASSWORD_HASH_MEMORY_KIB"])
    templating.init_app(app)
    errors.init_app(app)
    from app.journeys import init_app as init_journeys

    init_journeys(app)
    security.init_app(app)
    _register_blueprints(app)
    _register_event_handlers()
    _register_commands(app)
    _check_identity_code_key(app)
    return app


def _register_event_handlers() -> None:
    """Higher domains answer the events of lower ones (app/common/events.py)."""
    from app.bookings.handlers import register as register_bookings
    from app.payments.handlers import register as register_payments
    from app.payouts.handlers import register as register_payouts
    from app.privacy.handlers import register as register_privacy

    register_bookings()
    register_payouts()  # the payout item first: confirm_assignment returns it
    register_payments()
    register_privacy()


def _ensure_secret_key(app: Flask) -> None:
    if app.config.get("SECRET_KEY"):
        return
    if app.config.get("ENV_NAME") == "production":
        if app.config.get("CONFIG_CHECK_ONLY"):
            return  # `flask check-config` reports the missing key itself
        raise RuntimeError("SECRET_KEY must be set in production")
    app.config["SECRET_KEY"] = local_secret_key()


def _check_identity_code_key(app: Flask) -> None:
    """Production needs its own Fernet key for identity codes (elsewhere one is derived)."""
    if app.config.get("ENV_NAME") != "production" or app.config.get("CONFIG_CHECK_ONLY"):
        return  # `flask check-config` reports a missing or malformed key itself
    from app.experts.identity_code import fernet_for

    if not app.config.get("IDENTITY_CODE_KEY"):
        raise RuntimeError("IDENTITY_CODE_KEY must be set in production")
    fernet_for(app.config)  # raises on a malformed key


def _trust_proxies(app: Flask) -> None:
    """Behind ``PROXY_COUNT`` reverse proxies, take the client's address, scheme and host
    from the headers those proxies add (and from no further hop, which a client could forge)."""
    count = int(app.config.get("PROXY_COUNT") or 0)
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def _register_blueprints(app: Flask) -> None:
    from app.accounts.views import bp as accounts_bp
    from app.admin.views import bp as admin_bp
    from app.api import bp as api_bp
    from app.bookings.feed_views import bp as calendar_feed_bp
    from app.bookings.views import bp as bookings_bp
    from app.bookings.views import expert_bp as expert_work_bp
    from app.bookings.views import receipts_bp
    from app.experts.views import bp as experts_bp
    from app.experts.views import directory_bp as expert_directory_bp
    from app.experts.views import verification_bp
    from app.fees.views import bp as fees_bp
    from app.matching.views import bp as matching_bp
    from app.organisations.views import bp as organisations_bp
    from app.organisations.views import vetting_bp
    from app.participation.channel.views import bp as channel_bp
    from app.participation.channel.views import staff_bp as channel_staff_bp
    from app.participation.feedback.views import bp as participation_feedback_bp
    from app.participation.groups.views import bp as participation_bp
    from app.payments.views import bp as payments_bp
    from app.payouts.views import bp as payouts_bp
    from app.payouts.views import money_bp
    from app.privacy.views import bp as privacy_bp
    from app.reports.views import bp as reports_bp
    from app.web.views import bp as web_bp

    for blueprint in (
        web_bp,
        accounts_bp,
        organisations_bp,
        vetting_bp,
        bookings_bp,
        expert_work_bp,
        calendar_feed_bp,
        receipts_bp,
        experts_bp,
        verification_bp,
        expert_directory_bp,
        fees_bp,
        matching_bp,
        payouts_bp,
        payments_bp,
        money_bp,
        admin_bp,
        participation_bp,
        participation_feedback_bp,
        channel_bp,
        channel_staff_bp,
        reports_bp,
        privacy_bp,
        api_bp,
    ):
        app.register_blueprint(blueprint)


def _register_commands(app: Flask) -> None:
    from app.cli import register_commands

    register_commands(app)
