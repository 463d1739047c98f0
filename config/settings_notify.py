"""Settings of notifications: DingTalk delivery, rate limits, card templates, channels."""

# A mixin of config.settings.Settings: one object, each feature owning its own fields.

from __future__ import annotations

from pydantic import BaseModel


class NotifySettings(BaseModel):
    """Fields are environment variables of the same name; every one is in the README table."""
