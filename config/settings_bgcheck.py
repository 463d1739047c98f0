"""Settings of the background check and the onboarding notice (issue 20)."""

# A mixin of config.settings.Settings: one object, each feature owning its own fields.

from __future__ import annotations

import base64
import binascii
from typing import Literal

from pydantic import BaseModel


def _fernet_key_ok(key: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(key.encode())) == 32
    except (binascii.Error, ValueError):
        return False


class BgcheckSettings(BaseModel):
    """Fields are environment variables of the same name; every one is in the README table."""

    # The background-check vendor: `sandbox` (the Checkr-like simulator, sandbox/bgcheck/), or
    # `none`: no check is run and the onboarding notice follows the accepted offer directly.
    # `make run` sets `sandbox`; unset elsewhere it is `none`.
    BGCHECK_VENDOR: Literal["sandbox", "none"] = "none"
    # The vendor's API (in development the simulator's, http://127.0.0.1:8792).
    BGCHECK_BASE_URL: str | None = None
    # The bearer token of the vendor's API.
    BGCHECK_API_TOKEN: str | None = None
    # The vendor signs its webhooks with this (HMAC-SHA256 over "timestamp.body").
    BGCHECK_WEBHOOK_SECRET: str | None = None
    BGCHECK_TIMESTAMP_TOLERANCE_SECONDS: int = 300
    BGCHECK_TIMEOUT_SECONDS: float = 10.0
    # A Fernet key (32 url-safe base64 bytes) that encrypts ID-card numbers at rest until the
    # check completes. Required whenever a check can run in production.
    PII_ENCRYPTION_KEY: str | None = None
    # Also create DingTalk's pre-entry record (智能人事 待入职, hrm_1_0 AddHrmPreentry) for the
    # candidate when the onboarding notice is sent (the app needs the HR permission).
    DINGTALK_PREENTRY: bool = False

    def check_pii_key(self) -> None:
        """Refuse a key that is not a Fernet key (run by Settings after its secret checks, so
        that production names a public development value as such first)."""
        if self.PII_ENCRYPTION_KEY and not _fernet_key_ok(self.PII_ENCRYPTION_KEY):
            raise ValueError("PII_ENCRYPTION_KEY must be a Fernet key (32 url-safe base64 bytes)")

    def bgcheck_missing(self) -> list[str]:
        """What a process that runs checks needs and lacks."""
        if self.BGCHECK_VENDOR == "none":
            return []
        names = (
            "BGCHECK_BASE_URL",
            "BGCHECK_API_TOKEN",
            "BGCHECK_WEBHOOK_SECRET",
            "PII_ENCRYPTION_KEY",
        )
        return [name for name in names if not getattr(self, name)]
