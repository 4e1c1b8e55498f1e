"""Health, readiness and metrics endpoints for load balancers and Prometheus."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, jsonify, request

from app.common.timeutil import utcnow
from app.extensions import db
from app.ops import checks, metrics

bp = Blueprint("ops", __name__)

_heads: tuple[str, ...] | None = None


def _migration_heads() -> tuple[str, ...]:
    global _heads
    if _heads is None:
        _heads = checks.migration_heads()
    return _heads


@bp.route("/healthz")
def healthz():
    """The process is alive (no database or other service is touched)."""
    return jsonify({"status": "alive"})


@bp.route("/readyz")
def readyz():
    """Ready for traffic: database reachable and migrated to head; Redis when configured."""
    results: dict[str, str] = {}
    try:
        problems = checks.schema_problems(db.session.connection(), _migration_heads())
    except Exception as error:  # any failure to reach the database means "not ready"
        current_app.logger.warning("readiness: database not reachable: %s", error)
        problems = ["the database is not reachable"]
    finally:
        db.session.rollback()
    results["database"] = "; ".join(problems) or "ok"
    storage = current_app.config.get("RATELIMIT_STORAGE_URI") or ""
    if checks.is_redis_url(storage):
        redis_problems = checks.redis_problems(storage)
        for problem in redis_problems:
            current_app.logger.warning("readiness: %s", problem)
        results["redis"] = "not reachable" if redis_problems else "ok"
    failing = sorted(name for name, result in results.items() if result != "ok")
    body = {"status": "not ready" if failing else "ready", "checks": results}
    if failing:
        body["failing"] = failing
    return jsonify(body), 503 if failing else 200


@bp.route("/metrics")
def prometheus_metrics():
    """Prometheus text format, only with the metrics token or from an allowed network."""
    config = current_app.config
    token, networks = config["METRICS_TOKEN"], config["METRICS_ALLOWED_NETWORKS"]
    if not token and not networks:
        abort(404)
    if not metrics.may_scrape(
        request.headers.get("Authorization"), request.remote_addr, token, networks
    ):
        abort(403)
    from app.jobs import JOBS

    intervals = {name: interval for name, (interval, _call) in JOBS.items()}
    families = metrics.database_metrics(db.session, utcnow(), intervals)
    db.session.rollback()
    return Response(metrics.exposition(families), mimetype="text/plain; version=0.0.4")
