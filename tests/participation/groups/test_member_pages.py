"""A group's members page comes in pages: present members and former members each have
their own page links, whatever the size of the group."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.participation.groups.models import GroupMember
from tests.web.helpers import logged_in, page


def _members(panel, now, count: int, status: str, prefix: str) -> None:
    db.session.add_all([GroupMember(
        group_id=panel.id, name=f"{prefix} {n:02d}", kind="client", role="member",
        status=status, joined_at=now - timedelta(days=40),
        left_at=now - timedelta(days=1) if status == "left" else None) for n in range(count)])
    db.session.commit()


def _next(html: str, param: str) -> str:
    links = [part.split('"')[0] for part in html.split('rel="next" href="')[1:]]
    return next(link for link in links if f"{param}=" in link).replace("&amp;", "&")


def test_present_and_former_members_come_in_pages(client, organiser, panel, now):
    _members(panel, now, 55, "active", "Jäsen")
    _members(panel, now, 52, "left", "Entinen")
    logged_in(client, organiser.email)
    first = page(client.get(f"/participation/groups/{panel.id}/members"))
    assert [n for n in range(55) if f"Jäsen {n:02d}<" in first] == list(range(50))
    assert [n for n in range(52) if f"Entinen {n:02d} (" in first] == list(range(50))
    rest = page(client.get(_next(first, "cursor")))
    assert [n for n in range(55) if f"Jäsen {n:02d}<" in rest] == list(range(50, 55))
    former = page(client.get(_next(first, "former")))
    assert [n for n in range(52) if f"Entinen {n:02d} (" in former] == [50, 51]
    broken = client.get(f"/participation/groups/{panel.id}/members?former=broken")
    assert broken.status_code == 422 and "Entinen 00 (" in page(broken)


def test_another_organisation_cannot_page_the_members(client, panel, now):
    from tests import factories

    _members(panel, now, 3, "active", "Jäsen")
    stranger = factories.member(is_admin=True)
    db.session.commit()
    logged_in(client, stranger.email)
    response = client.get(f"/participation/groups/{panel.id}/members?cursor=x")
    assert response.status_code in (403, 404)
