"""Settings of the offer (issue 19): how acceptance is signed and how approvals run."""

# A mixin of config.settings.Settings: one object, each feature owning its own fields.

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class OffersSettings(BaseModel):
    """Fields are environment variables of the same name; every one is in the README table."""

    # How the candidate's acceptance is signed: `click` (an explicit confirmation recorded with
    # the candidate, time, client address, user agent and the SHA-256 of the terms shown).
    # `dingtalk_esign`: DingTalk's e-signature API (the candidate signs the offer letter in a
    # signing flow; the offer sweep reads its end).
    OFFER_SIGNING: Literal["click", "dingtalk_esign"] = "click"
    # A DingTalk OA approval process code: set, an out-of-band offer's approval runs as an OA
    # approval (workflow API) whose result comes back by the `bpms_instance_change` event or the
    # offer sweep's polling; unset, recruiting managers approve on cards.
    OFFER_APPROVAL_PROCESS_CODE: str | None = Field(default=None, max_length=128)
