"""Daily journeys across the domains: "what needs you now" on the dashboards and the order's
timeline. The pages of lower domains reach them through the Jinja globals bound here."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.journeys.needs import needs_of
    from app.journeys.timeline import order_timeline

    app.jinja_env.globals["needs_you_now"] = needs_of
    app.jinja_env.globals["order_timeline"] = order_timeline
