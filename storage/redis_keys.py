"""Every Redis key the backend uses is built here, so names never drift between processes."""

from __future__ import annotations

import hashlib

PREFIX = "mi"


def scheduler_tick(job_name: str, slot: int) -> str:
    return f"{PREFIX}:scheduler:tick:{job_name}:{slot}"


def scheduler_last_run(job_name: str) -> str:
    return f"{PREFIX}:scheduler:last-run:{job_name}"


def dingtalk_token(app_key: str) -> str:
    return f"{PREFIX}:dingtalk:token:{app_key}"


def dingtalk_token_lock(app_key: str) -> str:
    return f"{PREFIX}:dingtalk:token-lock:{app_key}"


def dingtalk_rate_window(app_key: str, api: str) -> str:
    return f"{PREFIX}:dingtalk:rate:{app_key}:{api}"


def dingtalk_rate_cooldown(app_key: str, api: str) -> str:
    return f"{PREFIX}:dingtalk:cooldown:{app_key}:{api}"


def ehr_pull_lock() -> str:
    return f"{PREFIX}:ehr:pull:lock"


def ehr_pull_last_success() -> str:
    return f"{PREFIX}:ehr:pull:last-success"


def clock_lock(sweep: str) -> str:
    return f"{PREFIX}:clock:lock:{sweep}"


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
