"""Settings of HR's attention: score digests instead of a card per candidate (issue 22)."""

# A mixin of config.settings.Settings: one object, each feature owning its own fields.

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

ESCALATION_STEPS = ("ding", "sms", "todo")


class DigestSettings(BaseModel):
    """Fields are environment variables of the same name; every one is in the README table."""

    # How HR owners hear of new and revised AI scores: "each" (one score card per candidate) or
    # "digest" (one card per position per window, updated in place while the window is open).
    # An HR member overrides it for themselves with the bot command `设置 通知 逐条|汇总`.
    HR_SCORE_NOTIFY: Literal["each", "digest"] = "digest"
    # The digest window, counted inside working hours (WORKING_HOURS_START/END, holidays): a
    # score landing in quiet hours joins the first window of the next working period.
    HR_DIGEST_WINDOW_MINUTES: int = Field(default=30, ge=5, le=480)
    # The ladder for candidate messages that matter (invitation, deadline soon, offer,
    # onboarding notice) while they stay unread: "step:delay" rungs, each delay counted from
    # the rung before (the first from the message). ding: a DING in DingTalk; sms: a DING by
    # SMS; todo: a to-do "call the candidate" for the position's HR owners. Empty: no ladder.
    ESCALATION_LADDER: str = "ding:4h,sms:8h,todo:4h"

    @field_validator("ESCALATION_LADDER")
    @classmethod
    def _ladder(cls, value: str) -> str:
        parse_ladder(value)
        return value


def parse_ladder(value: str) -> list[tuple[str, int]]:
    """ESCALATION_LADDER as (step, minutes after the previous rung); ValueError when malformed."""
    rungs: list[tuple[str, int]] = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        step, _, delay = item.partition(":")
        unit = {"h": 60, "m": 1}.get(delay[-1:].lower())
        if step not in ESCALATION_STEPS or unit is None or not delay[:-1].isdigit():
            raise ValueError(f"ESCALATION_LADDER: {item!r} is not step:delay (ding:4h, sms:30m)")
        if step in (s for s, _ in rungs):
            raise ValueError(f"ESCALATION_LADDER: {step} appears twice")
        rungs.append((step, int(delay[:-1]) * unit))
    return rungs
