"""Settings of the DingTalk 智能招聘 connector: where the pull reads from (issue 23)."""

# A mixin of config.settings.Settings: one object, each feature owning its own fields.

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator


class AtsSettings(BaseModel):
    """Fields are environment variables of the same name; every one is in the README table."""

    # `feed`: the EHR's change feed (contract section 4). `dingtalk_ats`: DingTalk's recruiting
    # module (ats_1.0 SearchFlow and friends) through the DingTalk app's token; decisions are
    # then kept locally, not written back (the module has no decision API).
    EHR_SOURCE: Literal["feed", "dingtalk_ats"] = "feed"
    # The DingTalk userid the recruiting API's calls are made on behalf of (`opUserId`): an
    # HR admin of the recruiting module. Required with EHR_SOURCE=dingtalk_ats.
    DINGTALK_ATS_OP_USER_ID: str | None = Field(default=None, max_length=64)

    @model_validator(mode="after")
    def _ats_needs_its_operator(self) -> AtsSettings:
        if self.EHR_SOURCE == "dingtalk_ats" and not self.DINGTALK_ATS_OP_USER_ID:
            raise ValueError("EHR_SOURCE=dingtalk_ats needs DINGTALK_ATS_OP_USER_ID")
        return self
