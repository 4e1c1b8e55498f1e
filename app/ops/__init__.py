"""Operations: configuration checks, health and readiness, metrics, structured logs."""

from __future__ import annotations

import time

from flask import Flask, g, request


def init_app(app: Flask) -> None:
    """Request ids, the request log line and latency metrics; /healthz, /readyz, /metrics.

    Call before the other extensions so that these hooks run first.
    """
    from app.ops import logs, metrics
    from app.ops.views import bp

    logs.install_address_scrubber()
    if not app.testing:
        logs.configure_logging(
            app.config["LOG_FORMAT"], app.config["LOG_LEVEL"], unless_configured=True
        )

    @app.before_request
    def _start_request() -> None:
        g.request_id = logs.request_id_from(request.headers.get(logs.REQUEST_ID_HEADER))
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish_request(response):
        if "request_id" not in g:  # a hook that ran before ours answered the request
            g.request_id = logs.request_id_from(request.headers.get(logs.REQUEST_ID_HEADER))
        response.headers[logs.REQUEST_ID_HEADER] = g.request_id
        started = g.get("request_started")
        seconds = time.perf_counter() - started if started is not None else 0.0
        logs.log_request(response, seconds)
        metrics.observe_request(request.endpoint, request.method, response.status_code, seconds)
        return response

    app.register_blueprint(bp)
