"""Every Redis key the backend uses is built here, so names never drift between processes."""

from __future__ import annotations

PREFIX = "mi"


def scheduler_lease() -> str:
    return f"{PREFIX}:scheduler:lease"


def scheduler_tick(job_name: str, slot: int) -> str:
    return f"{PREFIX}:scheduler:tick:{job_name}:{slot}"


def scheduler_last_run(job_name: str) -> str:
    return f"{PREFIX}:scheduler:last-run:{job_name}"


def listener_lease(app_key: str) -> str:
    return f"{PREFIX}:listener:lease:{app_key}"


def stream_message_seen(message_id: str) -> str:
    return f"{PREFIX}:stream:seen:{message_id}"


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
