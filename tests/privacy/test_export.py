"""The export: the person's data and files, nothing of anyone else's, audited."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.common.errors import PermissionDenied
from app.extensions import db
from app.privacy import services
from tests import factories
from tests.privacy.helpers import CERTIFICATE, RECEIPT


def _zip(person) -> zipfile.ZipFile:
    user = db.session.get(User, person.user_id)
    content = services.export_data(user, user.id)
    return zipfile.ZipFile(io.BytesIO(content))


def _all_text(archive: zipfile.ZipFile) -> str:
    return "\n".join(archive.read(name).decode("utf-8", "replace")
                     for name in archive.namelist())


def test_the_export_holds_the_persons_data_and_files(pair):
    person, _other = pair
    archive = _zip(person)
    names = set(archive.namelist())
    assert {"data.json", "summary.html", "statements/2026.csv"} <= names
    data = json.loads(archive.read("data.json"))
    assert data["account"]["email"] == person.email
    assert data["account"]["full_name"] == person.name
    assert data["account"]["phone"] == person.phone
    profile = data["expert_profile"]
    assert profile["iban"] == person.iban
    (training,) = profile["trainings"]
    assert archive.read(training["file"]) == CERTIFICATE
    assert {p["id"] for p in data["payouts"]} == {person.paid_item_id, person.unpaid_item_id}
    paid = next(p for p in data["payouts"] if p["id"] == person.paid_item_id)
    assert (paid["fee"], paid["travel"], paid["status"]) == ("30.00", "12.40", "paid")
    assert paid["paid_at"] is not None
    assert {a["order_id"] for a in data["assignments"]} >= {person.future_order_id}
    (receipt,) = [a["report"]["receipt_file"] for a in data["assignments"]
                  if a["report"] and "receipt_file" in a["report"]]
    assert archive.read(receipt) == RECEIPT
    assert [i["order_id"] for i in data["invitations"] if i["status"] == "pending"] == [
        person.invited_order_id]
    assert [f["text"] for f in data["feedback_given"]] == ["Hyvin järjestetty."]
    assert [m["name"] for m in data["group_memberships"]] == [person.name]
    assert [e["text"] for e in data["meeting_notes_written"]] == ["Ehdotan vertaistukiryhmää."]
    assert "note_written" in {e["action"] for e in data["audit_entries"]}
    summary = archive.read("summary.html").decode()
    assert '<html lang="fi">' in summary and person.name in summary
    assert "<h1>Tietosi Kokemuspankissa</h1>" in summary


def test_nothing_of_anyone_else_is_in_the_export(pair):
    person, other = pair
    text = _all_text(_zip(person))
    for secret in other.secrets:
        assert secret not in text, secret
    # and the other way round
    text = _all_text(_zip(other))
    for secret in person.secrets:
        assert secret not in text, secret


def test_the_summary_is_in_the_persons_language(pair):
    person, _other = pair
    db.session.get(User, person.user_id).language = "sv"
    summary = _zip(person).read("summary.html").decode()
    assert '<html lang="sv">' in summary and "<h1>Dina uppgifter i Kokemuspankki</h1>" in summary


def test_the_export_is_audited(pair):
    person, _other = pair
    _zip(person)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "data_exported"))
    assert entry.actor_id == person.user_id and entry.subject_id == str(person.user_id)


def test_an_organisation_member_gets_their_orders_and_membership(organiser):
    order = factories.order(organiser.membership.organisation, created_by=organiser)
    content = services.export_data(organiser, organiser.id)
    data = json.loads(zipfile.ZipFile(io.BytesIO(content)).read("data.json"))
    assert [o["id"] for o in data["orders_created"]] == [order.id]
    assert data["organisation_membership"]["is_admin"] is True
    assert data["expert_profile"] is None


def test_only_ones_own_data(pair):
    person, other = pair
    with pytest.raises(PermissionDenied):
        services.export_data(db.session.get(User, person.user_id), other.user_id)
