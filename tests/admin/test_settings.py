"""The administrator's settings: validated, audited, and used by the booking rules."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.admin.services import get_setting
from app.audit.models import AuditEntry
from app.extensions import db
from tests import factories


@pytest.fixture(autouse=True)
def _app_context(app):
    with app.app_context():
        yield


def form(**changes) -> dict:
    return {"late_cancellation_hours": "48", "invitation_hours": "48", "payment_term_days": "14",
            **changes}


def test_admin_changes_the_late_cancellation_window(client, login):
    login(client, factories.user("admin").email)
    assert client.get("/admin/settings").status_code == 200
    assert client.post("/admin/settings", data=form(late_cancellation_hours="72")).status_code \
        == 302
    assert get_setting("late_cancellation_hours") == 72
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "setting_changed"))
    assert entry.subject_id == "late_cancellation_hours" and entry.details["new"] == 72


@pytest.mark.parametrize("bad", ["-1", "100000", "abc", ""])
def test_out_of_range_values_are_refused_with_input_kept(client, login, bad):
    login(client, factories.user("admin").email)
    response = client.post("/admin/settings", data=form(invitation_hours=bad))
    assert response.status_code == 422
    assert get_setting("invitation_hours") == 48


@pytest.mark.parametrize("role", ["coordinator", "finance", "organisation_member"])
def test_only_administrators(client, login, role):
    login(client, factories.user(role).email)
    assert client.get("/admin/settings").status_code == 403
    assert client.post("/admin/settings", data=form()).status_code == 403
