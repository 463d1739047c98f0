"""Settings of operations: metrics."""

# A mixin of config.settings.Settings: one object, each feature owning its own fields.

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, field_validator

# The first word of every metric name we export (Prometheus: one prefix per application).
METRICS_PREFIX = "myinterviews"


class OpsSettings(BaseModel):
    """Fields are environment variables of the same name; every one is in the README table."""

    # The bearer token a Prometheus scraper sends to GET /metrics; unset: /metrics refuses all.
    # At least 16 characters in production (checked with the other secrets, in Settings).
    METRICS_TOKEN: str | None = None
    # prometheus-client's multiprocess directory, shared by the web and worker processes of a
    # host and emptied before they start. The library reads it from the process environment
    # when first imported (not from .env): export it. Unset: each process keeps its own values.
    PROMETHEUS_MULTIPROC_DIR: str | None = None

    @field_validator("PROMETHEUS_MULTIPROC_DIR")
    @classmethod
    def _is_directory(cls, value: str | None) -> str | None:
        if value and not Path(value).is_dir():
            raise ValueError(f"{value} is not a directory")
        return value or None
