"""Settings of the mini-app API: sessions, CORS, visibility policy."""

# A mixin of config.settings.Settings: one object, each feature owning its own fields.

from __future__ import annotations

from pydantic import BaseModel


class MiniAppSettings(BaseModel):
    """Fields are environment variables of the same name; every one is in the README table."""
