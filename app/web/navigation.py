"""Where each role lands, and safe redirects."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import url_for

DASHBOARDS = {
    "organisation_member": "organisations.dashboard",
    "expert": "experts.dashboard",
    "coordinator": "matching.dashboard",
    "finance": "payouts.dashboard",
    "admin": "admin.dashboard",
    "participant": "participation.home",
}


def dashboard_url(user) -> str:
    return url_for(DASHBOARDS[user.role])


def safe_next_url(target: str | None) -> str | None:
    """Only local paths are followed after sign-in (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
