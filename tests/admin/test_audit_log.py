"""The audit log for people: filters, keyset paging, CSV export (itself audited) and the API."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.audit.services import record_audit
from app.extensions import db
from tests import factories

BASE = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)  # 12.00 in Helsinki


@pytest.fixture(autouse=True)
def _app_context(app):
    with app.app_context():
        yield


@pytest.fixture
def log():
    """Entries by two people on three days, plus one by the system."""
    admin = factories.user("admin", email="loki.admin@example.fi")
    coordinator = factories.user("coordinator", email="loki.koord@example.fi")
    made = []
    for number in range(5):
        entry = record_audit(coordinator, "expert_verified", "expert", 100 + number)
        entry.created_at = BASE + timedelta(days=number % 3, minutes=number)
        made.append(entry)
    export = record_audit(admin, "data_exported", "user", coordinator.id, format="zip")
    export.created_at = BASE + timedelta(days=1)
    system = record_audit(None, "invitation_expired", "invitation", 7)
    system.created_at = BASE - timedelta(days=1)
    formula = record_audit(admin, "setting_changed", "setting", "=HYPERLINK(1)", old="=1+1")
    formula.created_at = BASE + timedelta(days=2, hours=1)
    db.session.commit()
    return {"admin": admin, "coordinator": coordinator, "entries": made, "export": export,
            "system": system, "formula": formula}


def api_get(client, token, query=""):
    return client.get(f"/api/v1/audit{query}", headers={"Authorization": f"Bearer {token}"})


def test_api_filters_by_actor_action_object_and_days(client, api_token, log):
    token = api_token(client, log["admin"].email)
    coordinator = log["coordinator"]
    answer = api_get(client, token, f"?actor_id={coordinator.id}&limit=200").get_json()
    assert {item["object_id"] for item in answer["items"]} == {str(100 + n) for n in range(5)}
    assert all(item["actor_email"] == coordinator.email for item in answer["items"])
    answer = api_get(client, token, "?action=data_exported&object_type=user"
                     f"&object_id={coordinator.id}").get_json()
    assert [item["id"] for item in answer["items"]] == [log["export"].id]
    # 11 June in Helsinki: entries 1 and 4 of the coordinator and the export.
    answer = api_get(client, token, "?from=2026-06-11&to=2026-06-11&limit=200").get_json()
    wanted = {log["entries"][1].id, log["entries"][4].id, log["export"].id}
    assert {item["id"] for item in answer["items"]} >= wanted
    assert all(item["created_at"].startswith("2026-06-11") for item in answer["items"]
               if item["id"] in wanted)
    assert log["system"].id not in {item["id"] for item in answer["items"]}


def test_api_pages_newest_first_without_gaps_or_repeats(client, api_token, log):
    token = api_token(client, log["admin"].email)
    coordinator = log["coordinator"]
    seen, cursor = [], None
    while True:
        query = f"?actor_id={coordinator.id}&limit=2" + (f"&cursor={cursor}" if cursor else "")
        answer = api_get(client, token, query).get_json()
        seen += [item["id"] for item in answer["items"]]
        cursor = answer["next"]
        if cursor is None:
            break
    expected = [e.id for e in sorted(log["entries"], key=lambda e: (e.created_at, e.id),
                                     reverse=True)]
    assert seen == expected


@pytest.mark.parametrize(("query", "field"), [
    ("?limit=0", "limit"), ("?limit=201", "limit"), ("?cursor=%%%", "cursor"),
    ("?from=2026-13-01", "from"), ("?from=2026-06-12&to=2026-06-11", "to"),
    ("?actor_id=nobody", "actor_id"),
])
def test_api_bad_filters_are_422_with_the_field(client, api_token, log, query, field):
    response = api_get(client, api_token(client, log["admin"].email), query)
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == field


@pytest.mark.parametrize("role", ["coordinator", "finance", "organisation_member", "expert"])
def test_api_is_for_administrators_only(client, api_token, role):
    person = factories.member() if role == "organisation_member" else (
        factories.expert().user if role == "expert" else factories.user(role))
    db.session.commit()
    assert api_get(client, api_token(client, person.email)).status_code == 403
    assert client.get("/api/v1/audit").status_code == 401


def test_page_filters_by_email_and_keeps_what_was_typed(client, login, log):
    login(client, log["admin"].email)
    response = client.get(f"/admin/audit?actor={log['coordinator'].email}&start=2026-06-12"
                          "&end=2026-06-12")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert text.count("(expert_verified)</span>") == 1  # only entry 2 was on 12 June
    assert "Kokemusasiantuntija hyväksytty" in text  # the action in plain Finnish
    assert f'value="{log["coordinator"].email}"' in text
    bad = client.get("/admin/audit?actor=ei-ketaan@example.fi&start=eilen")
    assert bad.status_code == 422
    assert 'value="eilen"' in bad.get_data(as_text=True)


def test_page_pages_with_links_that_keep_the_filters(client, login, log):
    login(client, log["admin"].email)
    first = client.get(f"/admin/audit?actor={log['coordinator'].id}&limit=2")
    text = first.get_data(as_text=True)
    assert text.count("(expert_verified)</span>") == 2 and 'rel="next"' in text
    link = text.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    assert f"actor={log['coordinator'].id}" in link
    second = client.get(link).get_data(as_text=True)
    assert 'role="status"' in second and second.count("(expert_verified)</span>") == 2


def test_csv_export_is_utf8_with_bom_safe_for_spreadsheets_and_audited(client, login, log):
    login(client, log["admin"].email)
    response = client.get("/admin/audit.csv?action=setting_changed")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "id" and len(rows) == 2
    assert rows[1][6] == "'=HYPERLINK(1)" and rows[1][7] == "old==1+1"
    assert rows[1][1] == "2026-06-12 13:00:00"  # Helsinki time (UTC+3 in summer)
    exported = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "audit_log_exported"))
    assert exported.actor_id == log["admin"].id
    assert exported.details["rows"] == 1 and exported.details["filter_action"] == "setting_changed"


def test_only_administrators_see_the_page_and_the_csv(client, login):
    login(client, factories.user("coordinator").email)
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit.csv").status_code == 403


def test_every_action_the_app_records_has_a_plain_language_name():
    """A new ``record_audit(actor, "action", …)`` needs its name on the audit log page."""
    import re
    from pathlib import Path

    from app.audit.labels import ACTIONS

    root = Path(__file__).resolve().parents[2] / "app"
    recorded = set()
    for path in root.rglob("*.py"):
        recorded |= set(re.findall(r'record_audit\([^,()]*,\s*"([a-z_]+)"', path.read_text()))
    assert len(recorded) > 50
    assert sorted(recorded - set(ACTIONS)) == []


def test_identity_code_reads_and_data_exports_appear_in_the_audit_log(client, api_token):
    """Reads of identity codes and data exports, made by the real services, are listed."""
    from app.experts.services import read_identity_code
    from app.privacy.services import export_data
    from tests.payouts.helpers import expert_with_iban

    finance = factories.user("finance")
    expert = expert_with_iban()
    read_identity_code(finance, expert.id, "payroll")
    export_data(expert.user, expert.user_id)
    admin = factories.user("admin")
    db.session.commit()
    token = api_token(client, admin.email)

    reads = api_get(client, token, f"?action=identity_code_read&object_id={expert.id}").json
    exports = api_get(client, token, f"?action=data_exported&actor_id={expert.user_id}").json

    assert [(e["actor_id"], e["object_type"]) for e in reads["items"]] == [
        (finance.id, "expert_profile")]
    assert [e["object_id"] for e in exports["items"]] == [str(expert.user_id)]


def test_the_audit_filter_takes_days_as_the_pages_write_them():
    """The hint says 30.11.2026; that form and the API's 2026-11-30 give the same day."""
    from datetime import date

    from app.audit.queries import _day
    from app.common.errors import InvalidInput

    assert _day("30.11.2026", "from") == _day("2026-11-30", "from") == date(2026, 11, 30)
    assert _day(" 1.2.2026 ", "to") == date(2026, 2, 1)
    for wrong in ("31.2.2026", "30.11", "eilen", "2026-13-01"):
        with pytest.raises(InvalidInput):
            _day(wrong, "from")
