"""Settings of the insight features (issue 21): predictive validity, training follow-up."""

# A mixin of config.settings.Settings: one object, each feature owning its own fields.

from __future__ import annotations

from pydantic import BaseModel, Field


class InsightSettings(BaseModel):
    """Fields are environment variables of the same name; every one is in the README table."""

    # Fewer reviewed hires than this for a position: the validity report says there is not
    # enough data instead of showing correlations.
    VALIDITY_MIN_SAMPLE: int = Field(default=30, ge=3, le=100_000)
