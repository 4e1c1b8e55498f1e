"""The anonymous channel's messages have no order in their ids, and no log line of the
channel's requests carries the client's address (not even the rate limiter's)."""

from __future__ import annotations

import io
import json
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.common.timeutil import utcnow
from app.extensions import db
from app.ops.logs import configure_logging
from app.participation.channel import services as channel
from app.participation.channel.models import AnonymousFeedback

ADDRESS = "203.0.113.77"
FORWARDED = "198.51.100.23"


def post(client, app, address: str, text: str):
    token = channel.make_form_token(app.config["SECRET_KEY"], utcnow() - timedelta(seconds=10))
    return client.post("/feedback/", data={
        "topic": "services", "about": "", "text": text, "website": "", "form_token": token},
        environ_base={"REMOTE_ADDR": address}, headers={"X-Forwarded-For": FORWARDED})


@pytest.fixture
def json_log():
    root = logging.getLogger()
    level = root.level
    buffer = io.StringIO()
    handler = configure_logging("json", "INFO", stream=buffer)
    yield lambda: buffer.getvalue()
    root.removeHandler(handler)
    root.setLevel(level)


def test_message_ids_are_not_sequential(app, client):
    ids_in_arrival_order = []
    for number in range(12):
        assert post(client, app, f"10.1.0.{number}", f"Viesti {number}").status_code == 302
        known = set(ids_in_arrival_order)
        (new,) = [i for i in db.session.scalars(select(AnonymousFeedback.id)) if i not in known]
        ids_in_arrival_order.append(new)
    steps = {b - a for a, b in zip(ids_in_arrival_order[:-1], ids_in_arrival_order[1:],
                                   strict=True)}
    assert steps != {1}
    assert ids_in_arrival_order != sorted(ids_in_arrival_order)
    assert max(ids_in_arrival_order) > 1000


def test_no_log_line_of_the_channel_carries_the_address(app, client, json_log):
    for number in range(11):
        post(client, app, ADDRESS, f"Viesti {number}")
    refused = post(client, app, ADDRESS, "Liikaa")
    assert refused.status_code == 429
    written = json_log()
    assert "ratelimit" in written  # the limiter's line is there, without the address
    assert ADDRESS not in written and FORWARDED not in written
    for line in written.splitlines():
        json.loads(line)


def test_other_routes_still_log_the_address(app, client, json_log):
    client.get("/healthz", environ_base={"REMOTE_ADDR": ADDRESS})
    assert ADDRESS in json_log()
