"""Settings of the infrastructure in production: Redis Sentinel and TLS, the database pool."""

# A mixin of config.settings.Settings: one object, each feature owning its own fields.

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator


class InfraSettings(BaseModel):
    """Fields are environment variables of the same name; every one is in the README table."""

    # Redis Sentinel: a comma-separated host:port list of sentinels. When set, every process asks
    # them for the master named REDIS_SENTINEL_MASTER (and asks again after a failover);
    # REDIS_URL then gives only the scheme (rediss:// for TLS), the credentials and the db number,
    # its host and port are not used.
    REDIS_SENTINELS: str | None = None
    REDIS_SENTINEL_MASTER: str | None = None
    # TLS of rediss:// URLs (master and sentinels alike), as redis-py names them: a CA bundle of
    # our own (a private CA), and how strictly the server's certificate is checked. The host
    # name is checked only with "required".
    REDIS_SSL_CA_CERTS: str | None = None
    REDIS_SSL_CERT_REQS: Literal["required", "optional", "none"] = "required"

    # The PostgreSQL pool of each process (SQLAlchemy's QueuePool): connections kept open, extra
    # ones allowed under load, how long a request waits for one before failing, and the age after
    # which a connection is replaced (0: never; set it below an idle timeout of a proxy or load
    # balancer between us and PostgreSQL). Every gunicorn worker and RQ worker has its own pool:
    # (size + overflow) x processes must stay under the server's max_connections.
    DATABASE_POOL_SIZE: int = Field(default=5, ge=1, le=100)
    DATABASE_MAX_OVERFLOW: int = Field(default=5, ge=0, le=100)
    DATABASE_POOL_TIMEOUT_SECONDS: float = Field(default=30.0, gt=0, le=300)
    DATABASE_POOL_RECYCLE_SECONDS: int = Field(default=0, ge=0, le=86400)

    @model_validator(mode="after")
    def _sentinel_needs_its_master(self) -> InfraSettings:
        if self.REDIS_SENTINELS and not self.REDIS_SENTINEL_MASTER:
            raise ValueError("REDIS_SENTINELS is set: REDIS_SENTINEL_MASTER must name the master")
        for item in (self.REDIS_SENTINELS or "").split(","):
            host, _, port = item.strip().rpartition(":")
            if self.REDIS_SENTINELS and not (host and port.isdigit()):
                raise ValueError(f"REDIS_SENTINELS: {item.strip()!r} is not host:port")
        return self

    def sentinel_addresses(self) -> list[tuple[str, int]]:
        """REDIS_SENTINELS as (host, port) pairs; empty without Sentinel."""
        pairs = []
        for item in (self.REDIS_SENTINELS or "").split(","):
            if item.strip():
                host, _, port = item.strip().rpartition(":")
                pairs.append((host.strip("[]"), int(port)))
        return pairs
