"""Structured logs: one JSON object per line, each carrying the request's id.

Every request gets an id: the caller's ``X-Request-ID`` when it is a sensible
token (so a proxy's id follows the request through), otherwise a new one. It is
returned in the response header and added to every log line written while the
request runs. One ``request`` line per request records the route (the URL rule,
so tokens in paths stay out of the logs), status and duration; the client
address is left out on the anonymous feedback channel, and any other line written
while such a request runs (e.g. the rate limiter's "ratelimit … (198.51.100.7)
exceeded") has the client's addresses replaced (`install_address_scrubber`).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from datetime import UTC, datetime

from flask import g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:+=@/-]{1,128}$")
#: Routes of the anonymous feedback channel: no client address is logged for them.
ANONYMOUS_BLUEPRINTS = ("channel",)
ANONYMOUS_PATH_PREFIXES = ("/feedback",)
#: Attributes every LogRecord has; anything else was passed with ``extra=`` and is logged.
_STANDARD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}

request_log = logging.getLogger("kokemuspankki.request")


def request_id_from(header_value: str | None) -> str:
    """The caller's request id when it is a sensible token, else a new random one."""
    if header_value and _VALID_REQUEST_ID.match(header_value):
        return header_value
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    if has_request_context():
        return g.get("request_id")
    return None


def is_anonymous_route(blueprint: str | None, path: str) -> bool:
    """True for the anonymous channel's pages, whose visitors' addresses are never logged."""
    return blueprint in ANONYMOUS_BLUEPRINTS or any(
        path == prefix or path.startswith(prefix + "/") for prefix in ANONYMOUS_PATH_PREFIXES
    )


ADDRESS_REMOVED = "[address removed]"


def _client_addresses() -> set[str]:
    """Every address of the current request's client that a log line could carry."""
    behind_proxy = request.environ.get("werkzeug.proxy_fix.orig") or {}
    found = {request.remote_addr, request.environ.get("REMOTE_ADDR"),
             behind_proxy.get("REMOTE_ADDR")}
    for header in ("X-Forwarded-For", "X-Real-IP", "Forwarded"):
        for part in (request.headers.get(header) or "").replace(";", ",").split(","):
            found.add(part.strip().removeprefix("for=").strip('"[]'))
    return {address for address in found if address and len(address) >= 3}


def _scrub(record: logging.LogRecord) -> None:
    message = record.getMessage()
    for address in sorted(_client_addresses(), key=len, reverse=True):
        message = message.replace(address, ADDRESS_REMOVED)
    record.msg, record.args = message, None


def install_address_scrubber() -> None:
    """Make every log record created during an anonymous-channel request carry no client
    address, whichever logger writes it and whichever handler (ours, gunicorn's) prints
    it. Idempotent: the record factory is wrapped once per process."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "kokemuspankki_scrubber", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if has_request_context() and is_anonymous_route(request.blueprint, request.path):
            _scrub(record)
        return record

    factory.kokemuspankki_scrubber = True
    logging.setLogRecordFactory(factory)


class JsonFormatter(logging.Formatter):
    """A log record as one JSON object: time, level, logger, message, request id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Plain lines for local use, with the request id when there is one."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None) or current_request_id()
        return f"{line} [request {request_id}]" if request_id else line


def configure_logging(
    log_format: str, level: str = "INFO", stream=None, *, unless_configured: bool = False
) -> logging.Handler | None:
    """Send the root logger's records to ``stream`` (stderr) as JSON or text.

    Idempotent: a handler installed by an earlier call is replaced, others are kept.
    With ``unless_configured``, nothing changes when the root logger already has a
    handler of someone else's (gunicorn's ``logconfig_dict`` in deploy/gunicorn.conf.py).
    """
    root = logging.getLogger()
    if unless_configured and any(
        not getattr(handler, "kokemuspankki", False) for handler in root.handlers
    ):
        return None
    for handler in list(root.handlers):
        if getattr(handler, "kokemuspankki", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.kokemuspankki = True
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    return handler


def log_request(response, duration_seconds: float) -> None:
    """Write the ``request`` line of the current request (no client address when anonymous)."""
    fields = {
        "method": request.method,
        "route": request.url_rule.rule if request.url_rule else None,
        "endpoint": request.endpoint,
        "status": response.status_code,
        "duration_ms": round(duration_seconds * 1000, 1),
    }
    if not is_anonymous_route(request.blueprint, request.path):
        fields["remote_addr"] = request.remote_addr
    request_log.info("request", extra=fields)
