"""Settings of EHR sync: webhook, change feed, held events, reconciliation guard."""

# A mixin of config.settings.Settings: one object, each feature owning its own fields.

from __future__ import annotations

from pydantic import BaseModel


class EhrSyncSettings(BaseModel):
    """Fields are environment variables of the same name; every one is in the README table."""
