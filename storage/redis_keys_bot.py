"""Redis keys of the DingTalk bot edge (built here so the listener, web and jobs agree)."""

from __future__ import annotations

import hashlib

from storage.redis_keys import PREFIX


def _digest(value: str) -> str:
    # Message ids are opaque and may be long; a digest keeps keys short and printable.
    return hashlib.sha256(value.encode()).hexdigest()[:40]


def bot_seen(kind: str, message_id: str) -> str:
    """A Stream message / event / HTTP event already handed off (dedupe marker)."""
    return f"{PREFIX}:bot:seen:{kind}:{_digest(message_id)}"


def bot_job_done(kind: str, message_id: str) -> str:
    """A bot job that has done its work (a job enqueued twice acts once)."""
    return f"{PREFIX}:bot:done:{kind}:{_digest(message_id)}"


def callback_nonce(source: str, nonce: str) -> str:
    """A nonce of a signed HTTP callback, remembered for the timestamp window."""
    return f"{PREFIX}:bot:nonce:{source}:{_digest(nonce)}"
