"""GET /metrics: Prometheus' text format, for a scraper sending `METRICS_TOKEN` as a bearer token.

With `PROMETHEUS_MULTIPROC_DIR` set, each scrape builds a registry of its own over the files
every process wrote there (prometheus-client's multiprocess mode: a registry per scrape, never
the global one, which would count this worker twice); without it, this process's own values.
The backlog and queue gauges are read from the database and Redis during the scrape.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime

from flask import Blueprint, Response, request
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector

from jobs.dispatch import consumed_kinds
from jobs.metrics_probe import pull_families, queue_families
from services.ops.metrics import Families, backlog_families
from storage.runtime import Runtime
from web.errors import error_response
from web_context import get_runtime

bp = Blueprint("metrics", __name__)


def _authorized(token: str) -> bool:
    given = request.headers.get("Authorization", "")
    scheme, _, value = given.partition(" ")
    # Constant-time, so the token cannot be guessed a character at a time from response times.
    return scheme.lower() == "bearer" and hmac.compare_digest(value.encode(), token.encode())


def _exposition(runtime: Runtime) -> bytes:
    now = datetime.now(UTC)
    with runtime.session_factory() as session:
        families = backlog_families(session, now=now, outbox_kinds=sorted(consumed_kinds()))
    families += queue_families(runtime.redis) + pull_families(runtime.redis, now=now)
    registry = CollectorRegistry()
    registry.register(Families(families))
    directory = runtime.settings.PROMETHEUS_MULTIPROC_DIR
    if directory:
        MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    # One process (no multiprocess directory): its own values, from the default registry.
    return generate_latest(REGISTRY) + generate_latest(registry)


@bp.get("/metrics")
def metrics() -> Response:
    runtime = get_runtime()
    token = runtime.settings.METRICS_TOKEN
    if not token:
        return error_response(403, "not_configured", "METRICS_TOKEN is not set")
    if not _authorized(token):
        response = error_response(401, "unauthorized", "a bearer METRICS_TOKEN is required")
        response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body = _exposition(runtime)
    return Response(body, status=200, content_type=CONTENT_TYPE_LATEST)
