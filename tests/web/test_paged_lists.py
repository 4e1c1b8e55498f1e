"""The organisation's order list and the expert's work lists in keyset pages.

Each list's first page issues the same number of SQL statements at 1× and 10×
the rows (no query per row); following the "Next page" links shows every row
once; filters (``limit``) are kept; a forged cursor or a bad limit is a clear
422; another organisation's or expert's rows never appear.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from app.bookings.models import Invitation
from app.common.timeutil import utcnow
from app.experts.models import ExpertProfile
from app.extensions import db
from app.reference.models import Municipality
from tests import factories
from tests.support.sql import counted_statements

#: Pori, Ulvila and Rauma come first; the rest are other municipalities, so that a venue
#: loaded row by row would show as more statements (not hidden by the identity map).
FIRST_VENUES = ["609", "886", "684"]


def venues() -> list[str]:
    others = db.session.scalars(select(Municipality.code).where(
        Municipality.code.not_in(FIRST_VENUES)).order_by(Municipality.code).limit(80))
    return FIRST_VENUES + list(others)


@pytest.fixture
def now():
    return utcnow().replace(microsecond=0)


@pytest.fixture
def login(login):
    """Sign in and read the pages in English, so texts can be asserted whatever the catalogs."""

    def english_login(client, email, password=None):
        response = login(client, email, password)
        client.get("/language/en")
        return response

    return english_login


def organisation_with_orders(app, count: int, now) -> tuple[str, list[int]]:
    """An organisation admin's e-mail and the ids of ``count`` orders, oldest first: every third
    a three-session series with one expert booked and one booking cancelled.

    The rows are made in an app context of their own, so that each request of the test loads
    its rows itself (a request inside the test's context would share its session and ``g``).
    """
    with app.app_context():
        return _organisation_with_orders(count, now)


def _organisation_with_orders(count: int, now) -> tuple[str, list[int]]:
    places = venues()
    admin = factories.member(is_admin=True)
    organisation = admin.membership.organisation
    expert, other = factories.expert(), factories.expert()
    orders = []
    for n in range(count):
        start = (now + timedelta(days=5 + n)).replace(minute=0, second=0)
        if n % 3 == 0:
            sessions = [(start + timedelta(days=7 * k), 60) for k in range(3)]
            order = factories.order(organisation, created_by=admin, sessions=sessions,
                                    experts_needed=2, status="partially_filled",
                                    municipality_code=places[n])
            factories.booking(order, expert)
            factories.booking(order, other, status="cancelled_by_expert")
        else:
            order = factories.order(organisation, created_by=admin, sessions=[(start, 45)],
                                    municipality_code=places[n])
        orders.append(order)
    db.session.commit()
    return admin.email, [order.id for order in orders]


def expert_with_work(app, count: int, now, past: int = 2) -> dict:
    """An expert with ``count`` coming bookings in different venues, ``count`` // 2 open
    invitations, ``past`` past bookings waiting for a report and one cancelled booking.

    Answers plain values: ``email``, ``coming`` (id, order id and title of each coming
    booking, soonest first), ``assignments`` and ``invitations`` (all their ids).
    """
    with app.app_context():
        return _expert_with_work(count, now, past)


def _expert_with_work(count: int, now, past_count: int) -> dict:
    places = venues()
    expert = factories.expert()
    organisation = factories.organisation()
    coming = []
    for n in range(count):
        start = (now + timedelta(days=3 + n, hours=n % 5)).replace(minute=0, second=0)
        order = factories.order(organisation, sessions=[(start, 45)],
                                municipality_code=places[n], status="filled")
        coming.extend(factories.booking(order, expert))
    for n in range(count // 2):
        order = factories.order(organisation, municipality_code=places[n])
        db.session.add(Invitation(order=order, expert_id=expert.id, status="pending", rank=1,
                                  expires_at=now + timedelta(days=2, minutes=n)))
    past_titles = []
    for n in range(past_count):
        past = factories.order(organisation, sessions=[(now - timedelta(days=3 + n), 45)],
                               status="filled", municipality_code=places[n])
        factories.booking(past, expert)
        past_titles.append(past.title)
    cancelled = factories.order(organisation, sessions=[(now + timedelta(days=2), 45)])
    factories.booking(cancelled, expert, status="cancelled_by_organisation")
    db.session.commit()
    return {
        "email": expert.user.email,
        "expert_id": expert.id,
        "past_titles": past_titles,
        "coming": [{"id": a.id, "order_id": a.order_id, "title": a.order.title}
                   for a in sorted(coming, key=lambda a: (a.starts_at, a.id))],
        "assignments": [a.id for a in expert_assignments(expert.id)],
        "invitations": list(db.session.scalars(
            select(Invitation.id).where(Invitation.expert_id == expert.id))),
    }


def expert_assignments(expert_id: int):
    from app.bookings.models import Assignment

    return db.session.scalars(select(Assignment).where(Assignment.expert_id == expert_id))


def statements_of(client, path: str, rows: int | None = None) -> int:
    """Statements of one request, after a first request has warmed any one-time caches;
    ``rows``: how many withdraw or order links the page must show (that it is the right one)."""
    assert client.get(path).status_code == 200
    with counted_statements() as statements:
        response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    if rows is not None:
        # Count the list's rows only, not the links of "what needs you now" above it.
        text = html(response)
        listed = text[text.find("<table"):] if ORDER_LINK_PAGE in path else text
        assert len(re.findall(f"{ORDER_LINK}|{WITHDRAW_LINK}", listed)) == rows
    return len(statements)


def html(response) -> str:
    return unescape(response.get_data(as_text=True))


def next_link(text: str) -> str | None:
    found = re.search(r'<a rel="next" href="([^"]+)"', text)
    return found.group(1) if found else None


def walk(client, path: str, pattern: str) -> tuple[list[int], list[str]]:
    """Every id that ``pattern`` finds on the pages from ``path`` on, and the pages' addresses."""
    ids, visited = [], []
    while path:
        visited.append(path)
        response = client.get(path)
        assert response.status_code == 200
        text = html(response)
        listed = text[text.find("<table"):] if ORDER_LINK_PAGE in path else text
        ids += [int(found) for found in re.findall(pattern, listed)]
        path = next_link(text)
        assert len(visited) < 50
    return ids, visited


# --- the organisation's orders --------------------------------------------------------------

ORDER_LINK = r'href="/organisation/orders/(\d+)"'
#: The page whose order list is a table under "what needs you now".
ORDER_LINK_PAGE = "/organisation/"


def test_order_list_statements_do_not_grow_with_the_orders(app, client, login, now):
    small, _ = organisation_with_orders(app, 6, now)
    large, _ = organisation_with_orders(app, 60, now)
    login(client, small)
    at_1x = statements_of(client, "/organisation/", rows=6)
    other_client = app.test_client()
    login(other_client, large)
    at_10x = statements_of(other_client, "/organisation/", rows=50)
    assert at_1x == at_10x


def test_order_list_pages_show_every_order_once_newest_first(app, client, login, now):
    admin, orders = organisation_with_orders(app, 7, now)
    _, others = organisation_with_orders(app, 2, now)
    login(client, admin)
    ids, pages = walk(client, "/organisation/?limit=3", ORDER_LINK)
    assert ids == list(reversed(orders))
    assert len(pages) == 3
    assert all("limit=3" in page for page in pages)  # the filter is kept
    assert not set(others) & set(ids)


def test_order_list_figures_come_from_sql(app, client, login, now):
    admin, _ = organisation_with_orders(app, 1, now)
    login(client, admin)
    text = html(client.get("/organisation/"))
    assert "1 of 2 booked" in text  # the cancelled booking does not count
    assert "(3 sessions)" in text


def test_a_later_order_page_is_announced_and_links_to_the_first(app, client, login, now):
    admin, _ = organisation_with_orders(app, 3, now)
    login(client, admin)
    later = next_link(html(client.get("/organisation/?limit=2")))
    text = html(client.get(later))
    assert 'role="status"' in text and "later page" in text
    assert 'href="/organisation/?limit=2">First page' in text
    assert next_link(text) is None


def test_the_state_filter_is_kept_across_pages(app, client, login, now):
    admin, orders = organisation_with_orders(app, 9, now)  # orders 0, 3, 6 partially filled
    login(client, admin)
    ids, pages = walk(client, "/organisation/?status=partially_filled&limit=2", ORDER_LINK)
    assert ids == [orders[6], orders[3], orders[0]]
    assert len(pages) == 2 and all("status=partially_filled" in page for page in pages)
    assert '<option selected value="partially_filled">' in html(client.get(pages[1]))
    empty = html(client.get("/organisation/?status=cancelled"))
    listed = empty[empty.index('<h2>Orders</h2>'):]  # below "what needs you now"
    assert "No orders in this state." in listed and not re.findall(ORDER_LINK, listed)


@pytest.mark.parametrize(("query", "message"), [
    ("status=boss", "Choose a state from the list."),
    ("cursor=forged", "This page link is not valid"),
    ("cursor=WyJ4Il0", "This page link is not valid"),
    ("limit=0", "The limit must be a whole number"),
    ("limit=201", "The limit must be a whole number"),
    ("limit=abc", "The limit must be a whole number"),
])
def test_bad_paging_on_the_order_list_is_a_clear_422(app, client, login, now, query, message):
    admin, _ = organisation_with_orders(app, 1, now)
    login(client, admin)
    response = client.get(f"/organisation/?{query}")
    assert response.status_code == 422
    assert message in html(response)


# --- the expert's pages -----------------------------------------------------------------------

WITHDRAW_LINK = r'href="/expert/work/orders/(\d+)/withdraw"'


@pytest.mark.parametrize("path", ["/expert/", "/expert/work/"])
def test_expert_pages_statements_do_not_grow_with_the_work(app, client, login, now, path):
    small = expert_with_work(app, 5, now)
    large = expert_with_work(app, 50, now)
    login(client, small["email"])
    at_1x = statements_of(client, path, rows=5 if path.endswith("work/") else None)
    other_client = app.test_client()
    login(other_client, large["email"])
    # The work page shows 20 rows of each of its three lists.
    at_10x = statements_of(other_client, path, rows=20 if path.endswith("work/") else None)
    assert at_1x == at_10x


def test_coming_work_pages_show_every_booking_once_soonest_first(app, client, login, now):
    expert = expert_with_work(app, 7, now)
    other = expert_with_work(app, 2, now)
    login(client, expert["email"])
    ids, pages = walk(client, "/expert/work/?limit=3", WITHDRAW_LINK)
    assert ids == [a["order_id"] for a in expert["coming"]]
    assert len(pages) == 3 and all("limit=3" in page for page in pages)
    assert not {a["order_id"] for a in other["coming"]} & set(ids)


def test_the_work_page_shows_the_venue_and_filters_statuses_in_sql(app, client, login, now):
    expert = expert_with_work(app, 2, now)
    login(client, expert["email"])
    text = html(client.get("/expert/work/"))
    assert "Ulvila" in text and "Pori" in text  # venues of the coming work
    assert len(re.findall(r"/expert/work/assignments/\d+/report", text)) == 2
    assert len(re.findall(r"/expert/work/invitations/\d+", text)) == 1  # one open offer


def test_the_dashboard_shows_the_next_ten_of_the_coming_work(app, client, login, now):
    expert = expert_with_work(app, 12, now)
    login(client, expert["email"])
    text = html(client.get("/expert/"))
    assert "You have 12 coming bookings. Here are the next 10." in text
    titles = [a["title"] for a in expert["coming"]]
    assert titles[9] + "</a>:" in text and titles[10] + "</a>:" not in text


OFFER_LINK = r'href="/expert/work/invitations/(\d+)"'
REPORT_LINK = r'href="/expert/work/assignments/(\d+)/report"'


def _links(text: str, rel_next_of: str) -> str | None:
    """The "next page" link of the pager labelled ``rel_next_of``."""
    found = re.search(r'<nav class="pager" aria-label="' + re.escape(rel_next_of)
                      + r'">.*?</nav>', text, re.S)
    return next_link(found.group(0)) if found else None


def test_open_offers_and_work_to_report_have_pages_of_their_own(app, client, login, now):
    """Each list of the work page pages with its own cursor and keeps the others' place."""
    expert = expert_with_work(app, 46, now, past=23)  # 23 open offers, 23 works to report
    login(client, expert["email"])
    first = html(client.get("/expert/work/"))
    assert len(re.findall(OFFER_LINK, first)) == 20
    assert len(re.findall(REPORT_LINK, first)) == 20
    assert len(re.findall(WITHDRAW_LINK, first)) == 20
    offers_next = _links(first, "Pages of the work offers")
    report_next = _links(first, "Pages of the work to report")
    assert "offers_cursor=" in offers_next and "report_cursor=" not in offers_next
    assert "report_cursor=" in report_next
    second_offers = html(client.get(offers_next))
    offers = re.findall(OFFER_LINK, first) + re.findall(OFFER_LINK, second_offers)
    assert len(offers) == len(set(offers)) == 23
    assert "You are on a later page of this list." in second_offers
    # The other lists stay on their first page.
    assert re.findall(REPORT_LINK, second_offers) == re.findall(REPORT_LINK, first)
    reports = re.findall(REPORT_LINK, first) + re.findall(REPORT_LINK,
                                                           html(client.get(report_next)))
    assert len(reports) == len(set(reports)) == 23
    with app.app_context():
        mine = set(expert_assignments(expert["expert_id"]))
        assert {int(i) for i in reports} <= {a.id for a in mine}
    assert {int(i) for i in offers} <= set(expert["invitations"])


def test_the_dashboard_links_the_first_offers_and_works_to_report_and_the_rest(app, client,
                                                                              login, now):
    expert = expert_with_work(app, 24, now, past=12)
    login(client, expert["email"])
    text = html(client.get("/expert/"))
    assert len(re.findall(OFFER_LINK, text)) == 5
    assert "7 more work offers wait for your answer" in text
    assert len(re.findall(REPORT_LINK, text)) == 5
    assert "7 more pieces of work to report" in text


@pytest.mark.parametrize("query", ["cursor=forged", "limit=0", "limit=999",
                                   "offers_cursor=forged", "report_cursor=forged"])
def test_bad_paging_on_the_work_page_is_a_clear_422(app, client, login, now, query):
    expert = expert_with_work(app, 1, now)
    login(client, expert["email"])
    response = client.get(f"/expert/work/?{query}")
    assert response.status_code == 422
    text = html(response)
    assert "This page link is not valid" in text or "The limit must be a whole number" in text
    assert 'href="/expert/work/"' in text


# --- the expert's API lists -------------------------------------------------------------------


def bearer(client, api_token, email: str) -> dict:
    return {"Authorization": f"Bearer {api_token(client, email)}"}


def api_walk(client, headers: dict, path: str, limit: int) -> tuple[list[dict], int]:
    items, cursor, pages = [], None, 0
    while True:
        query = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        response = client.get(path, query_string=query, headers=headers)
        assert response.status_code == 200, response.get_json()
        answer = response.get_json()
        items += answer["items"]
        pages += 1
        cursor = answer["next"]
        if cursor is None:
            return items, pages


def test_my_assignments_in_pages_soonest_first(app, client, api_token, now):
    expert = expert_with_work(app, 5, now)
    other = expert_with_work(app, 1, now)
    items, pages = api_walk(client, bearer(client, api_token, expert["email"]),
                            "/api/v1/me/assignments", 2)
    ids = [item["id"] for item in items]
    assert len(ids) == 5 + 3  # coming, two past and one cancelled
    assert sorted(ids) == sorted(expert["assignments"])
    assert not set(other["assignments"]) & set(ids)
    assert pages == 4
    assert [item["starts_at"] for item in items] == sorted(item["starts_at"] for item in items)
    assert set(items[0]) == {"id", "order_id", "starts_at", "duration_minutes", "status"}


def test_my_invitations_in_pages_newest_first(app, client, api_token, now):
    expert = expert_with_work(app, 6, now)  # 3 open invitations and 6 + 2 + 1 accepted ones
    other = expert_with_work(app, 2, now)
    items, pages = api_walk(client, bearer(client, api_token, expert["email"]),
                            "/api/v1/me/invitations", 4)
    ids = [item["id"] for item in items]
    assert sorted(ids) == sorted(expert["invitations"]) and len(ids) == 12
    assert not set(other["invitations"]) & set(ids)
    assert pages == 3
    assert ids == sorted(ids, reverse=True)  # made in id order, so newest first is id order


@pytest.mark.parametrize("path", ["/api/v1/me/assignments", "/api/v1/me/invitations"])
def test_my_lists_statements_do_not_grow(app, client, api_token, now, path):
    counts = []
    for size in (5, 50):
        headers = bearer(client, api_token, expert_with_work(app, size, now)["email"])
        assert client.get(path, headers=headers).status_code == 200
        with counted_statements() as statements:
            response = client.get(path, headers=headers)
        rows = size + 3 + (size // 2 if path.endswith("invitations") else 0)
        assert len(response.get_json()["items"]) == min(rows, 50)
        counts.append(len(statements))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("path", ["/api/v1/me/assignments", "/api/v1/me/invitations"])
@pytest.mark.parametrize(("query", "field"), [
    ({"cursor": "forged"}, "cursor"), ({"cursor": "WyJ4Il0"}, "cursor"),
    ({"limit": "0"}, "limit"), ({"limit": "201"}, "limit"), ({"limit": "x"}, "limit"),
])
def test_bad_paging_in_my_lists_is_422(app, client, api_token, now, path, query, field):
    headers = bearer(client, api_token, expert_with_work(app, 1, now)["email"])
    response = client.get(path, query_string=query, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == field


# --- the expert's past work -------------------------------------------------------------------


def test_past_work_pages_show_every_started_assignment_once_latest_first(app, client, login,
                                                                         now):
    expert = expert_with_work(app, 2, now)
    other = expert_with_work(app, 1, now)
    with app.app_context():
        for days in range(5, 10):
            factories.booking(factories.order(sessions=[(now - timedelta(days=days), 45)],
                                              status="filled", title=f"Past {days}"),
                              db.session.get(ExpertProfile, expert["expert_id"]),
                              status="confirmed")
        db.session.commit()
    login(client, expert["email"])
    titles, pages = [], []
    path = "/expert/work/past?limit=3"
    while path:
        pages.append(path)
        text = html(client.get(path))
        titles += re.findall(r"<td>(Past \d+|Testitilaus \d+)</td>", text)
        path = next_link(text)
    assert len(pages) == 3 and all("limit=3" in page for page in pages)
    assert len(titles) == len(set(titles)) == 7  # two waiting for a report and five confirmed
    assert [t for t in titles if t.startswith("Past")] == [f"Past {d}" for d in range(5, 10)]
    assert not set(other["past_titles"]) & set(titles)


def test_past_work_statements_do_not_grow(app, client, login, now):
    small = expert_with_work(app, 0, now, past=5)
    large = expert_with_work(app, 0, now, past=50)
    login(client, small["email"])
    at_1x = statements_of(client, "/expert/work/past")
    other_client = app.test_client()
    login(other_client, large["email"])
    at_10x = statements_of(other_client, "/expert/work/past")
    assert at_1x == at_10x


def test_bad_paging_on_past_work_is_a_clear_422(app, client, login, now):
    login(client, expert_with_work(app, 0, now)["email"])
    response = client.get("/expert/work/past?cursor=forged")
    assert response.status_code == 422
    assert "This page link is not valid" in html(response)
