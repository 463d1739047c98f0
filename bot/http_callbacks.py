"""DingTalk over HTTP: encrypted event callbacks (protocol 7) and card callbacks (6.3).

* `POST /dingtalk/events`: signature, timestamp window, nonce memory (Redis SET NX for twice the
  window), AES decrypt, then the same hand-off as Stream events; answers the encrypted `success`.
* `POST /dingtalk/card-callback`: `x-ddpaas-signature` over the timestamp, a timestamp window,
  then the same card-action service as Stream. The signature covers only the timestamp, so two
  users clicking in the same millisecond share it: no nonce memory here (a replayed click is
  harmless anyway, card actions being idempotent).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, jsonify, request

from bot import crypto
from bot.actions import BadCallback, answer_card_click, parse_card_callback
from bot.inbound import accept_event
from storage import redis_keys
from storage.runtime import Runtime
from storage.safe_input import ascii_int, loads, problem_of
from web_context import get_runtime

log = logging.getLogger(__name__)
bp = Blueprint("dingtalk_callbacks", __name__)


def _refuse(status: int, code: str, message: str) -> Response:
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def timestamp_ok(value: str | None, tolerance_seconds: int, *, now: float) -> bool:
    """Whether a seconds or milliseconds timestamp lies within the window around `now`."""
    number = ascii_int(value, max_digits=16)
    if value is None or number is None:
        return False
    stamp = number / (1000 if len(value) > 11 else 1)
    return abs(now - stamp) <= tolerance_seconds


def _encrypted_success(runtime: Runtime, aes_key: str, receive_id: str) -> Response:
    token = runtime.settings.require("DINGTALK_CALLBACK_TOKEN")
    stamp, nonce = str(int(time.time() * 1000)), secrets.token_hex(8)
    cipher = crypto.encrypt("success", aes_key, receive_id)
    return jsonify(
        {
            "msg_signature": crypto.signature(token, stamp, nonce, cipher),
            "timeStamp": stamp,
            "nonce": nonce,
            "encrypt": cipher,
        }
    )


def _check_signed(
    runtime: Runtime, token: str, *, sig: str, stamp: str, nonce: str, encrypted: str
) -> Response | None:
    """Signature first (so forgeries cannot burn nonces), then the window, then the nonce."""
    try:
        crypto.verify_signature(token, stamp, nonce, encrypted, sig)
    except crypto.CallbackCryptoError:
        return _refuse(401, "bad_signature", "msg_signature does not match")
    tolerance = runtime.settings.DINGTALK_CALLBACK_TIMESTAMP_TOLERANCE_SECONDS
    if not timestamp_ok(stamp, tolerance, now=time.time()):
        return _refuse(401, "timestamp_out_of_window", "timestamp is outside the window")
    nonce_key = redis_keys.callback_nonce("event", f"{stamp}:{nonce}")
    if not runtime.redis.set(nonce_key, "1", nx=True, ex=2 * tolerance):
        return _refuse(401, "replayed", "this nonce was already used")
    return None


def _read_event(runtime: Runtime) -> dict[str, Any] | Response:
    settings = runtime.settings
    token = settings.require("DINGTALK_CALLBACK_TOKEN")
    aes_key = settings.require("DINGTALK_CALLBACK_AES_KEY")
    receive_id = settings.DINGTALK_CALLBACK_RECEIVE_ID or settings.require("DINGTALK_APP_KEY")
    args = request.args
    sig = args.get("msg_signature") or args.get("signature") or ""
    stamp = args.get("timeStamp") or args.get("timestamp") or ""
    nonce = args.get("nonce") or ""
    body = request.get_json(silent=True)
    encrypted = body.get("encrypt") if isinstance(body, dict) else None
    if not isinstance(encrypted, str) or not nonce or len(nonce) > 64:
        return _refuse(400, "bad_request", "encrypt, timestamp and nonce are required")
    refused = _check_signed(runtime, token, sig=sig, stamp=stamp, nonce=nonce, encrypted=encrypted)
    if refused is not None:
        return refused
    try:
        plain = loads(crypto.decrypt(encrypted, aes_key, receive_id))
    except (crypto.CallbackCryptoError, ValueError):  # JsonInputError is a ValueError
        return _refuse(400, "bad_ciphertext", "encrypt does not decrypt to a JSON event")
    if not isinstance(plain, dict) or problem_of(plain, where="event") is not None:
        return _refuse(400, "bad_event", "the event is not an object the service can store")
    return {"event": plain, "aes_key": aes_key, "receive_id": receive_id}


@bp.post("/dingtalk/events")
def receive_event() -> Response:
    runtime = get_runtime()
    read = _read_event(runtime)
    if isinstance(read, Response):
        return read
    event: dict[str, Any] = read["event"]
    event_type = str(event.get("EventType") or "")
    if event_type != "check_url":
        digest = hashlib.sha256(json.dumps(event, sort_keys=True).encode()).hexdigest()[:32]
        event_id = str(event.get("EventId") or event.get("eventId") or f"http-{digest}")
        accept_event(runtime, event_type=event_type, event_id=event_id, data=event)
    return _encrypted_success(runtime, read["aes_key"], read["receive_id"])


@bp.post("/dingtalk/card-callback")
def receive_card_callback() -> Response:
    runtime = get_runtime()
    settings = runtime.settings
    secret = settings.DINGTALK_CARD_CALLBACK_SECRET
    if not secret:
        return _refuse(403, "not_configured", "HTTP card callbacks are not configured")
    stamp = request.headers.get("x-ddpaas-signature-timestamp", "")
    given = request.headers.get("x-ddpaas-signature", "")
    if not hmac.compare_digest(crypto.card_signature(secret, stamp).encode(), given.encode()):
        return _refuse(401, "bad_signature", "x-ddpaas-signature does not match")
    tolerance = settings.DINGTALK_CALLBACK_TIMESTAMP_TOLERANCE_SECONDS
    if not timestamp_ok(stamp, tolerance, now=time.time()):
        return _refuse(401, "timestamp_out_of_window", "timestamp is outside the window")
    try:
        click = parse_card_callback(request.get_json(silent=True))
    except BadCallback as exc:
        return _refuse(400, "bad_request", str(exc))
    return jsonify(answer_card_click(runtime, click, now=datetime.now(UTC)))
