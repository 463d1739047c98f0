"""`POST /ehr/events`: verify the EHR's signature, parse the batch, call one service, answer."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

from flask import Blueprint, Response, jsonify, request

from services.ehr.sync import check_batch, ingest_events
from services.errors import InvalidInput, Unauthenticated
from storage.safe_input import JsonInputError, ascii_int, loads_batch
from web_context import db_session, get_runtime

bp = Blueprint("ehr_webhook", __name__)
SIGNATURE_PREFIX = "v1="


def verify_signature(
    *,
    secret: str,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: datetime,
    tolerance_seconds: int,
    header: str = "X-EHR",
) -> None:
    """Raise Unauthenticated unless the headers sign `body` with `secret` within the window.

    `header` names the sender's pair (`X-EHR-Timestamp`/`-Signature`; the background-check
    vendor's `X-Bgcheck-...` are signed the same way)."""
    if not timestamp or not signature:
        raise Unauthenticated(
            f"{header}-Timestamp and {header}-Signature are required", code="unsigned"
        )
    seconds = ascii_int(timestamp, max_digits=12)
    if seconds is None:
        raise Unauthenticated(f"{header}-Timestamp must be Unix seconds", code="bad_timestamp")
    if abs(now.timestamp() - seconds) > tolerance_seconds:
        raise Unauthenticated(
            f"{header}-Timestamp is more than {tolerance_seconds} s from the server's clock",
            code="timestamp_out_of_window",
        )
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    if not hmac.compare_digest(
        (SIGNATURE_PREFIX + expected.hexdigest()).encode(), signature.strip().encode()
    ):
        raise Unauthenticated(f"{header}-Signature does not match", code="bad_signature")


@bp.post("/ehr/events")
def receive_events() -> Response:
    settings = get_runtime().settings
    now = datetime.now(UTC)
    body = request.get_data(cache=False)  # over MAX_CONTENT_LENGTH (1 MiB): 413 before reading
    verify_signature(
        secret=settings.require("EHR_WEBHOOK_SECRET"),
        timestamp=request.headers.get("X-EHR-Timestamp"),
        signature=request.headers.get("X-EHR-Signature"),
        body=body,
        now=now,
        tolerance_seconds=settings.EHR_TIMESTAMP_TOLERANCE_SECONDS,
    )
    # Parsed only now that the signature holds; a value orjson refuses inside one event (a
    # 5,000-digit number, NaN) becomes that event's rejection, not the batch's.
    try:
        payload = loads_batch(body)
    except JsonInputError as exc:
        raise InvalidInput(str(exc), code="invalid_json") from None
    events = check_batch(payload)
    result = ingest_events(db_session(), events, source="push", received_at=now)
    return jsonify(result.answer())
