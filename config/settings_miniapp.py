"""Settings of the mini-app API: sessions, CORS, visibility policy."""

# A mixin of config.settings.Settings: one object, each feature owning its own fields.

from __future__ import annotations

from pydantic import BaseModel, Field


class MiniAppSettings(BaseModel):
    """Fields are environment variables of the same name; every one is in the README table."""

    # Lifetime of a mini-app session token issued by POST /api/v1/auth/dingtalk.
    SESSION_TTL_SECONDS: int = Field(default=8 * 3600, gt=0, le=30 * 24 * 3600)
    # What a candidate may see of a published score: comma list of overall, dimensions, comments,
    # feedback (strengths, what to work on, fit with the position, in words: issue 21).
    CANDIDATE_SCORE_VISIBILITY: str = "overall,dimensions"
    # The mini-app's web origin allowed by CORS (e.g. https://miniapp.example.com); unset: none.
    MINIAPP_ORIGIN: str | None = None
    # Login attempts allowed per client IP per window.
    LOGIN_RATE_LIMIT: int = Field(default=20, gt=0)
    LOGIN_RATE_WINDOW_SECONDS: int = Field(default=60, gt=0, le=3600)
