"""Expertise areas kept by the administrator: add, rename in fi/sv/en, retire, restore, order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.common.errors import Conflict, InvalidInput
from app.common.timeutil import to_helsinki, utcnow
from app.extensions import db
from app.reference import areas
from app.reference.areas import AreaNames
from app.reference.models import ExpertiseArea
from app.reference.queries import expertise_areas
from tests import factories


@pytest.fixture(autouse=True)
def _app_context(app):
    with app.app_context():
        yield


def actions(area_id: int) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.subject_type == "expertise_area", AuditEntry.subject_id == str(area_id))
        .order_by(AuditEntry.id)))


def test_add_puts_a_new_area_last_with_a_slug_and_audits():
    admin = factories.user("admin")
    area = areas.add_area(admin, AreaNames(fi=" Yksinäisyys ", sv="Ensamhet",
                                           en="Loneliness"))
    assert (area.slug, area.name_fi, area.active) == ("loneliness", "Yksinäisyys", True)
    assert expertise_areas()[-1].id == area.id
    twin = areas.add_area(admin, AreaNames(fi="Yksinäisyys nuorilla", sv="Ensamhet bland unga",
                                           en="Loneliness"))
    assert twin.slug == "loneliness-2"
    assert actions(area.id) == ["expertise_area_added"]


@pytest.mark.parametrize(("names", "field"), [
    (AreaNames(fi="", sv="x", en="x"), "name_fi"),
    (AreaNames(fi="x", sv=" ", en="x"), "name_sv"),
    (AreaNames(fi="x", sv="x", en="y" * 201), "name_en"),
])
def test_every_name_is_required(names, field):
    with pytest.raises(InvalidInput) as refused:
        areas.add_area(factories.user("admin"), names)
    assert refused.value.field == field


def test_rename_keeps_the_slug_and_history_sees_the_new_name():
    admin = factories.user("admin")
    area = factories.expertise_area("mental-health")
    order = factories.order(areas=["mental-health"])
    areas.rename_area(admin, area.id, AreaNames(fi="Mielen hyvinvointi", sv="Psykiskt välmående",
                                                en="Mental wellbeing"))
    db.session.expire_all()
    assert order.expertise_areas[0].name("sv") == "Psykiskt välmående"
    assert db.session.get(ExpertiseArea, area.id).slug == "mental-health"
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "expertise_area_renamed"))
    assert entry.details["new_fi"] == "Mielen hyvinvointi"


def test_a_finnish_name_in_use_is_refused():
    admin = factories.user("admin")
    existing = factories.expertise_area("mental-health")
    with pytest.raises(Conflict):
        areas.add_area(admin, AreaNames(fi=existing.name_fi.upper(), sv="a", en="b"))


def test_retired_area_is_kept_for_history_but_not_offered_for_new_orders(client, api_token):
    admin = factories.user("admin")
    area = factories.expertise_area("mental-health")
    old_order = factories.order(areas=["mental-health"])
    organiser = factories.member(is_admin=True)
    db.session.commit()
    areas.set_area_active(admin, area.id, False)
    db.session.commit()
    assert area.id not in {a.id for a in expertise_areas()}
    assert db.session.get(ExpertiseArea, area.id) is not None
    assert old_order.expertise_areas[0].id == area.id
    listed = client.get("/api/v1/expertise-areas").get_json()["items"]
    assert "mental-health" not in {item["slug"] for item in listed}
    start = to_helsinki(utcnow() + timedelta(days=20)).replace(minute=0, second=0,
                                                               microsecond=0)
    response = client.post("/api/v1/orders", headers={
        "Authorization": f"Bearer {api_token(client, organiser.email)}"}, json={
        "title": "Luento", "assignment_type": "lecture", "expertise_areas": ["mental-health"],
        "language": "fi", "experts_needed": 1, "starts_at": start.isoformat(),
        "duration_minutes": 45, "remote": True})
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "expertise_areas"
    with pytest.raises(Conflict):
        areas.set_area_active(admin, area.id, False)
    areas.set_area_active(admin, area.id, True)
    assert area.id in {a.id for a in expertise_areas()}
    assert actions(area.id) == ["expertise_area_retired", "expertise_area_restored"]


def test_moving_swaps_neighbours_and_stops_at_the_ends():
    admin = factories.user("admin")
    before = [a.id for a in areas.all_areas()]
    areas.move_area(admin, before[1], "up")
    after = [a.id for a in areas.all_areas()]
    assert after == [before[1], before[0], *before[2:]]
    with pytest.raises(Conflict):
        areas.move_area(admin, after[0], "up")
    with pytest.raises(Conflict):
        areas.move_area(admin, after[-1], "down")
    areas.move_area(admin, after[0], "down")
    assert [a.id for a in areas.all_areas()] == before


def test_pages_add_rename_retire_and_keep_input_on_errors(client, login):
    login(client, factories.user("admin").email)
    assert client.get("/admin/areas").status_code == 200
    bad = client.post("/admin/areas", data={"name_fi": "Vertaistuki", "name_sv": "",
                                             "name_en": "Peer support"})
    assert bad.status_code == 422 and 'value="Vertaistuki"' in bad.get_data(as_text=True)
    good = client.post("/admin/areas", data={"name_fi": "Vertaistuki", "name_sv": "Kamratstöd",
                                              "name_en": "Peer support"})
    assert good.status_code == 302
    area = db.session.scalar(select(ExpertiseArea).where(ExpertiseArea.slug == "peer-support"))
    assert client.get(f"/admin/areas/{area.id}").status_code == 200
    renamed = client.post(f"/admin/areas/{area.id}", data={
        "name_fi": "Vertaistukitoiminta", "name_sv": "Kamratstöd", "name_en": "Peer support"})
    assert renamed.status_code == 302
    assert client.post(f"/admin/areas/{area.id}/retire").status_code == 302
    db.session.expire_all()
    area = db.session.get(ExpertiseArea, area.id)
    assert (area.name_fi, area.active) == ("Vertaistukitoiminta", False)
    assert client.get("/admin/areas/999999").status_code == 404
    assert client.post("/admin/areas/999999/up").status_code == 404


@pytest.mark.parametrize("role", ["coordinator", "finance", "organisation_member"])
def test_only_administrators_manage_areas(client, login, role):
    login(client, factories.user(role).email)
    area = factories.expertise_area("mental-health")
    assert client.get("/admin/areas").status_code == 403
    assert client.post(f"/admin/areas/{area.id}/retire").status_code == 403
    assert db.session.get(ExpertiseArea, area.id).active


def test_a_retired_area_cannot_be_chosen_for_an_expert_profile():
    from app.experts import services as expert_services

    admin = factories.user("admin")
    profile = factories.expert(areas=("mental-health",))
    area = factories.expertise_area("substance-use")
    areas.set_area_active(admin, area.id, False)
    with pytest.raises(InvalidInput) as refused:
        expert_services.update_profile(profile.user, expert_services.ProfileChanges(
            display_name="Pirjo", areas=["substance-use"], languages=["fi"],
            home_municipality_code="609", assignment_types=["lecture"]))
    assert refused.value.code == "unknown_area"
