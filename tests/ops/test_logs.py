"""Request ids and the JSON request log; no client address on the anonymous channel."""

from __future__ import annotations

import io
import json
import logging

import pytest

from app.ops.logs import configure_logging, is_anonymous_route, request_id_from


@pytest.fixture
def json_log():
    """The root logger writes JSON lines into a buffer; ``json_log()`` returns them parsed."""
    root = logging.getLogger()
    level = root.level
    buffer = io.StringIO()
    handler = configure_logging("json", "INFO", stream=buffer)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)


def request_lines(lines):
    return [line for line in lines if line["logger"] == "kokemuspankki.request"]


@pytest.mark.parametrize(("given", "kept"), [
    ("abc-123", True),
    ("f47ac10b-58cc-4372-a567-0e02b2c3d479", True),
    ("req:42/edge=1", True),
    ("", False),
    ("with space", False),
    ("x" * 129, False),
    ("<script>", False),
    ("line\nbreak", False),
])
def test_request_id_is_taken_only_when_sensible(given, kept):
    result = request_id_from(given)
    assert (result == given) is kept
    if not kept:
        assert len(result) == 32 and int(result, 16) >= 0


def test_the_request_id_is_passed_through_and_logged(client, json_log):
    response = client.get("/healthz", headers={"X-Request-ID": "edge-7f3a"},
                          environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert response.headers["X-Request-ID"] == "edge-7f3a"
    (line,) = request_lines(json_log())
    assert line["request_id"] == "edge-7f3a"
    assert line["message"] == "request"
    assert line["route"] == "/healthz"
    assert line["endpoint"] == "ops.healthz"
    assert line["status"] == 200
    assert line["method"] == "GET"
    assert line["remote_addr"] == "198.51.100.7"
    assert line["level"] == "INFO" and line["time"].endswith("+00:00")


def test_a_new_request_id_for_each_request_without_one(client, json_log):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz", headers={"X-Request-ID": "bad id"}).headers["X-Request-ID"]
    assert first != second and len(first) == len(second) == 32
    assert [line["request_id"] for line in request_lines(json_log())] == [first, second]


def test_the_route_is_logged_not_the_path_with_its_ids(client, json_log):
    client.get("/organisation/orders/987654")
    (line,) = request_lines(json_log())
    assert line["route"] == "/organisation/orders/<int:order_id>"
    assert "987654" not in json.dumps(line)


def test_no_client_address_on_the_anonymous_channel(client, json_log):
    for path in ("/feedback/", "/feedback/thanks"):
        response = client.get(path, environ_base={"REMOTE_ADDR": "198.51.100.7"})
        assert response.status_code == 200
    client.post("/feedback/", data={"topic": "x"}, environ_base={"REMOTE_ADDR": "198.51.100.7"})
    lines = request_lines(json_log())
    assert [line["route"] for line in lines] == ["/feedback/", "/feedback/thanks", "/feedback/"]
    assert all("remote_addr" not in line for line in lines)
    assert "198.51.100.7" not in json.dumps(lines)


def test_other_log_lines_of_a_request_carry_its_id(app, client, json_log, closed_port,
                                                   monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", f"redis://127.0.0.1:{closed_port}")
    response = client.get("/readyz", headers={"X-Request-ID": "ready-1"})
    assert response.status_code == 503
    warnings = [line for line in json_log() if line["level"] == "WARNING"]
    assert warnings and all(line["request_id"] == "ready-1" for line in warnings)


@pytest.mark.parametrize(("blueprint", "path", "anonymous"), [
    ("channel", "/feedback/", True),
    (None, "/feedback", True),
    (None, "/feedback/thanks", True),
    ("participation", "/participation/feedback/3", False),
    (None, "/feedbacks", False),
    ("web", "/", False),
])
def test_anonymous_routes(blueprint, path, anonymous):
    assert is_anonymous_route(blueprint, path) is anonymous
