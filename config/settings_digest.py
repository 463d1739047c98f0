"""Settings of HR's attention: score digests instead of a card per candidate (issue 22)."""

# A mixin of config.settings.Settings: one object, each feature owning its own fields.

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class DigestSettings(BaseModel):
    """Fields are environment variables of the same name; every one is in the README table."""

    # How HR owners hear of new and revised AI scores: "each" (one score card per candidate) or
    # "digest" (one card per position per window, updated in place while the window is open).
    # An HR member overrides it for themselves with the bot command `设置 通知 逐条|汇总`.
    HR_SCORE_NOTIFY: Literal["each", "digest"] = "digest"
    # The digest window, counted inside working hours (WORKING_HOURS_START/END, holidays): a
    # score landing in quiet hours joins the first window of the next working period.
    HR_DIGEST_WINDOW_MINUTES: int = Field(default=30, ge=5, le=480)
