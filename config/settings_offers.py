"""Settings of the offer (issue 19): how acceptance is signed and how approvals run."""

# A mixin of config.settings.Settings: one object, each feature owning its own fields.

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

NOT_YET = (
    "{name}={value} is not supported yet (only {supported}); unset it to run the offer with "
    "{fallback} (see README, 'The offer')"
)


class OffersSettings(BaseModel):
    """Fields are environment variables of the same name; every one is in the README table."""

    # How the candidate's acceptance is signed: `click` (an explicit confirmation recorded with
    # the candidate, time, client address, user agent and the SHA-256 of the terms shown).
    # `dingtalk_esign` (DingTalk's e-signature API) is accepted as a value but not built yet:
    # the process refuses to start with it rather than silently falling back.
    OFFER_SIGNING: Literal["click", "dingtalk_esign"] = "click"
    # A DingTalk OA approval process code: set, an out-of-band offer's approval runs as an OA
    # approval (workflow API) whose result comes back by the `bpms_instance_change` event or the
    # offer sweep's polling; unset, recruiting managers approve on cards.
    OFFER_APPROVAL_PROCESS_CODE: str | None = Field(default=None, max_length=128)

    @model_validator(mode="after")
    def _supported_offer_modes(self) -> OffersSettings:
        if self.OFFER_SIGNING != "click":
            raise ValueError(
                NOT_YET.format(
                    name="OFFER_SIGNING",
                    value=self.OFFER_SIGNING,
                    supported="click",
                    fallback="click signing",
                )
            )
        return self
