"""Tunable simulator behaviour; every value the protocol doc marks UNVERIFIED lives here."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SimConfig:
    """Knobs of the sandbox. Defaults follow docs/dingtalk-protocol.md (section 9.8)."""

    token_ttl: int = 7200
    ticket_ttl: float = 90.0
    auth_code_ttl: float = 300.0
    session_ttl: float = 5400.0
    # Real ping cadence is unverified; 30 s keeps idle sockets honest without spamming logs.
    ping_interval: float = 30.0
    disconnect_grace: float = 10.0
    event_redeliver_seconds: float = 5.0
    event_max_attempts: int = 20
    callback_timeout: float = 2.0
    event_check_url_timeout: float = 1.5
    qps_limit: int = 20
    # app = per app per API (90018), global = per API (90002), quota = monthly quota (90020).
    throttle_mode: str = "app"
    throttle_status: int = 403
    invalid_token_status: int = 400
    ticket_reject_status: int = 401
    fault_delay_seconds: float = 12.0
    update_by_key_default: bool = False
    # Unknown cardTemplateIds are rejected, as DingTalk does, unless this is switched off.
    strict_templates: bool = True
    work_notice_progress_seconds: float = 0.0
    work_notice_daily_limit: int = 500
    robot_flow_controlled: list[str] = field(default_factory=list)
    disabled_scopes: list[str] = field(default_factory=list)

    def apply(self, overrides: dict[str, Any]) -> list[str]:
        """Set known fields from `overrides`, coercing to the field's type; return unknown keys."""
        unknown: list[str] = []
        types = {f.name: type(getattr(self, f.name)) for f in dataclasses.fields(self)}
        for key, value in overrides.items():
            if key not in types:
                unknown.append(key)
                continue
            setattr(self, key, _coerce(types[key], value))
        return unknown

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def copy(self) -> SimConfig:
        return dataclasses.replace(
            self,
            robot_flow_controlled=list(self.robot_flow_controlled),
            disabled_scopes=list(self.disabled_scopes),
        )


def _coerce(kind: type, value: Any) -> Any:
    if kind is bool:
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on")
        return bool(value)
    if kind is list:
        if isinstance(value, str):
            return [part for part in value.split(",") if part]
        return list(value)
    return kind(value)


def parse_option_pairs(pairs: list[str]) -> dict[str, str]:
    """Turn CLI `key=value` strings into a dict (the value stays a string until `apply`)."""
    result: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise ValueError(f"option {pair!r} is not key=value")
        result[key.strip()] = value.strip()
    return result
