"""`POST /bgcheck/webhook`: verify the vendor's signature and timestamp, note the event, answer.

The webhook only says which report changed; the job reads the report from the vendor itself
(jobs/bgcheck.py), so a valid signature on a made-up body still cannot set a result. A replayed
event id is refused (409 `replayed`) and changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from flask import Blueprint, Response, jsonify, request

from services.bgcheck.vendor import note_webhook
from services.errors import InvalidInput, NotFound
from web.ehr_webhook import verify_signature
from web_context import db_session, get_runtime

bp = Blueprint("bgcheck_webhook", __name__)


def _event(body: bytes) -> tuple[str, str]:
    try:
        event = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidInput("the body is not JSON", code="invalid_json") from None
    data = event.get("data") if isinstance(event, dict) else None
    event_id = event.get("id") if isinstance(event, dict) else None
    reference = data.get("report_id") if isinstance(data, dict) else None
    if not isinstance(event_id, str) or not isinstance(reference, str) or not event_id:
        raise InvalidInput("id and data.report_id are required", code="invalid_event")
    return event_id, reference


@bp.post("/bgcheck/webhook")
def receive_bgcheck_event() -> Response:
    settings = get_runtime().settings
    if settings.BGCHECK_VENDOR == "none":
        raise NotFound("background checks are off", code="bgcheck_off")
    now = datetime.now(UTC)
    body = request.get_data(cache=False)
    verify_signature(
        secret=settings.require("BGCHECK_WEBHOOK_SECRET"),
        timestamp=request.headers.get("X-Bgcheck-Timestamp"),
        signature=request.headers.get("X-Bgcheck-Signature"),
        body=body,
        now=now,
        tolerance_seconds=settings.BGCHECK_TIMESTAMP_TOLERANCE_SECONDS,
        header="X-Bgcheck",
    )
    event_id, reference = _event(body)
    check_id = note_webhook(db_session(), reference, event_id, now=now)
    return jsonify({"received": event_id, "check_id": check_id})
