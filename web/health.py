"""GET /healthz: the database and Redis both answer, or 503 naming what failed."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from storage.runtime import check_database
from web_context import get_runtime

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    runtime = get_runtime()
    checks: dict[str, str] = {}
    try:
        check_database(runtime.engine)
        checks["database"] = "ok"
    except SQLAlchemyError as exc:
        log.warning("health: database failed: %s", type(exc).__name__)
        checks["database"] = "unavailable"
    try:
        runtime.redis.ping()
        checks["redis"] = "ok"
    except (RedisError, OSError) as exc:
        log.warning("health: redis failed: %s", type(exc).__name__)
        checks["redis"] = "unavailable"
    failed = [name for name, state in checks.items() if state != "ok"]
    if failed:
        body = {
            "status": "unavailable",
            "checks": checks,
            "error": {"code": "unhealthy", "message": "failing: " + ", ".join(failed)},
        }
        return jsonify(body), 503
    return jsonify({"status": "ok", "checks": checks}), 200
