"""Settings of the clock: reminders, quiet hours, no-show alerts, score policies."""

# A mixin of config.settings.Settings: one object, each feature owning its own fields.

from __future__ import annotations

from pydantic import BaseModel


class ClockSettings(BaseModel):
    """Fields are environment variables of the same name; every one is in the README table."""
