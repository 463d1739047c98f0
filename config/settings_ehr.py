"""Settings of EHR sync: webhook, change feed, held events, reconciliation guard."""

# A mixin of config.settings.Settings: one object, each feature owning its own fields.

from __future__ import annotations

from pydantic import BaseModel, Field


class EhrSyncSettings(BaseModel):
    """Fields are environment variables of the same name; every one is in the README table."""

    # How far X-EHR-Timestamp may be from our clock, either way (contract section 3: 300 s).
    EHR_TIMESTAMP_TOLERANCE_SECONDS: int = Field(default=300, ge=1, le=3600)
    # Events per change-feed page requested by the pull (the `limit` of the feed request).
    EHR_PULL_PAGE_SIZE: int = Field(default=500, ge=1, le=5000)
    # Pages are applied together, in one transaction, until it has at least this many events
    # (1: each page in a transaction of its own): each transaction has a fixed cost, and an EHR
    # may serve small pages.
    EHR_PULL_TRANSACTION_EVENTS: int = Field(default=2000, ge=1, le=20000)
    # Seconds between change-feed pulls (the registry ticks every 60 s; the job skips early ticks).
    EHR_PULL_INTERVAL_SECONDS: int = Field(default=300, ge=60, le=86400)
    # A held event (waiting for its parent) older than this is reported.
    EHR_HELD_MAX_AGE_SECONDS: int = Field(default=3600, ge=1)
    # A full reconciliation refuses to tombstone more than this share of active records.
    EHR_RECONCILE_MAX_TOMBSTONE_SHARE: float = Field(default=0.1, ge=0.0, le=1.0)
