"""The order form checks everything in one round and ties each error to its field.

Issue 14: a too-long text was cut by the browser and the order created anyway; a past
start date was a message at the top; series dates in reverse order were silently sorted.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.bookings.models import Order
from app.extensions import db


@pytest.fixture
def login(login):
    """Sign in and read the pages in English, so texts can be asserted whatever the catalogs."""

    def english_login(client, email, password=None):
        response = login(client, email, password)
        client.get("/language/en")
        return response

    return english_login


def order_data(world, **changes) -> dict:
    day = (world["start"] + timedelta(days=2)).date()
    data = {
        "kind": "single", "assignment_type": "lecture", "title": "Henkilöstöpäivä",
        "expertise_areas": ["mental-health"], "language": "fi", "experts_needed": "1",
        "date": day.isoformat(), "start_time": "13:00", "duration_minutes": "45",
        "municipality_code": "609", "address": "Katu 1", "action": "submit",
    }
    data.update(changes)
    return data


def field_error(html: str, field_id: str) -> str:
    """The error text shown next to a field (empty when none), and the field points to it."""
    match = re.search(rf'<span class="field-error" id="{field_id}-error">([^<]*)</span>', html)
    if not match:
        return ""
    field = re.search(rf'<[^>]+ id="{field_id}"[^>]*>', html).group(0)
    assert f"{field_id}-error" in field and 'aria-invalid="true"' in field, field
    return match.group(1)


def orders_titled(title: str) -> int:
    return db.session.query(Order).filter(Order.title == title).count()


def test_a_too_long_title_is_refused_with_a_message_not_cut(client, login, world):
    login(client, world["organiser"].email)
    title = "Pitkä otsikko " * 20  # 280 characters, the limit is 200
    response = client.post("/organisation/orders/new", data=order_data(world, title=title))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "200" in field_error(html, "title")
    assert orders_titled(title.strip()) == 0 and orders_titled(title[:200]) == 0
    # What the user typed is shown again in full, not cut at the limit.
    assert f'value="{title}"' in html


def test_text_fields_have_no_cutting_maxlength_but_a_counted_limit(client, login, world):
    login(client, world["organiser"].email)
    html = client.get("/organisation/orders/new").get_data(as_text=True)
    assert not re.search(r"\smaxlength=", html)
    title = re.search(r'<input[^>]* id="title"[^>]*>', html).group(0)
    assert 'data-maxlength="200"' in title
    assert re.search(r'aria-describedby="[^"]*title-limit', title)
    assert re.search(r'id="title-limit"[^>]*data-left="\{n\} characters left\."', html)
    assert "At most 200 characters." in html
    assert "/static/forms.js" in html


def test_every_check_runs_in_the_same_round(client, login, world):
    """A form error (empty title) and the service's rules (a past start, a deadline after
    the start) are all shown at once, each next to its field."""
    login(client, world["organiser"].email)
    past = (world["start"] - timedelta(days=30)).date()
    response = client.post("/organisation/orders/new", data=order_data(
        world, title="", date=past.isoformat(),
        deadline_date=(past + timedelta(days=5)).isoformat()))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "title")
    assert field_error(html, "date") == "The start time must be in the future."
    assert field_error(html, "deadline_date") == "The deadline must be between now and the start."
    summary = html[html.index('id="error-summary"'):]
    summary = summary[:summary.index("</div>")]
    for target in ("#title", "#date", "#deadline_date"):
        assert f'href="{target}"' in summary
    assert 'class="flash error"' not in html  # nothing left as a loose message at the top


def test_a_past_date_is_tied_to_the_date_field(client, login, world):
    login(client, world["organiser"].email)
    past = (world["start"] - timedelta(days=30)).date()
    response = client.post("/organisation/orders/new",
                           data=order_data(world, date=past.isoformat()))
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "date") == (
        "The start time must be in the future.")
    assert orders_titled("Henkilöstöpäivä") == 0


@pytest.mark.parametrize(("days", "wrong_field", "message"), [
    ((2, 9, 5), "third_date", "Session 3 must be after session 2"),
    ((9, 5, 12), "second_date", "Session 2 must be after session 1"),
    ((5, 5, 12), "second_date", "Session 2 must be after session 1"),
])
def test_series_dates_in_the_wrong_order_are_an_error_that_says_which(
        client, login, world, days, wrong_field, message):
    login(client, world["organiser"].email)
    first = world["start"].date()
    dates = [(first + timedelta(days=d)).isoformat() for d in days]
    title = f"Sarja {days}"
    response = client.post("/organisation/orders/new", data=order_data(
        world, kind="co_development_3", title=title, date=dates[0], second_date=dates[1],
        third_date=dates[2]))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, wrong_field).startswith(message)
    other = {"second_date", "third_date"} - {wrong_field}
    assert not field_error(html, other.pop())
    assert orders_titled(title) == 0


def test_series_dates_in_order_are_accepted(client, login, world):
    login(client, world["organiser"].email)
    first = world["start"].date()
    dates = [(first + timedelta(days=d)).isoformat() for d in (2, 9, 16)]
    response = client.post("/organisation/orders/new", data=order_data(
        world, kind="co_development_3", title="Sarja järjestyksessä", date=dates[0],
        second_date=dates[1], third_date=dates[2]))
    assert response.status_code == 302
    assert orders_titled("Sarja järjestyksessä") == 1


def test_failed_order_and_price_focus_the_summary_and_the_result(client, login, world):
    """Without JavaScript: the error summary, or the price after "calculate", has
    ``autofocus`` (and tabindex -1), so the page opens there, not at the top."""
    login(client, world["organiser"].email)
    failed = client.post("/organisation/orders/new", data=order_data(world, title=""))
    html = failed.get_data(as_text=True)
    assert re.search(r'id="error-summary"[^>]*autofocus', html)
    assert html.count("autofocus") == 1 + html.count('id="estimate" tabindex="-1" autofocus')
    priced = client.post("/organisation/orders/new", data=order_data(world, action="estimate"))
    html = priced.get_data(as_text=True)
    assert priced.status_code == 200
    assert re.search(r'id="estimate" tabindex="-1" autofocus', html)
    assert "error-summary" not in html
    fresh = client.get("/organisation/orders/new").get_data(as_text=True)
    assert "autofocus" not in fresh
