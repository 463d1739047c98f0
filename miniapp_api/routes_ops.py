"""Operations endpoints (admin only): what needs attention, and replay / retry / requeue.

The same service functions as `flask --app wsgi ops` (web/cli_ops.py): services/ops/status.py.
Registered in miniapp_api/__init__.py `_blueprint()`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from flask import Blueprint
from pydantic import Field, model_validator

from jobs.ops_queues import make_probe
from miniapp_api import context as c
from miniapp_api.schemas import Model
from miniapp_api.spec import endpoint
from services.ops.status import (
    gather_status,
    replay_letters,
    requeue_failed_jobs,
    require_ops_admin,
    retry_held,
)
from web_context import db_session, get_runtime

bp = Blueprint("ops", __name__)


class FailedJobOut(Model):
    id: str
    queue: str
    func: str | None
    error: str | None = Field(description="the exception's type (its message is not shown)")
    failed_at: datetime | None


class QueueOut(Model):
    name: str
    depth: int = Field(description="jobs waiting")
    failed: int
    failed_jobs: list[FailedJobOut] = Field(description="the newest 20")


class DeadLetterOut(Model):
    id: int
    event_id: str | None
    source: str
    reason: str
    received_at: datetime
    replay_result: str | None


class HeldOut(Model):
    event_id: str
    entity_kind: str
    entity_id: str
    waiting_for: str = Field(description="kind:id of the entity it waits for")
    received_at: datetime
    overdue: bool = Field(description="held longer than EHR_HELD_MAX_AGE_SECONDS")


class UndeliverableOut(Model):
    id: int
    purpose: str
    state: str
    channel: str
    recipient_kind: str = Field(description="staff or candidate")
    recipient_id: str = Field(description="the staff or candidate id (never a mobile)")
    reason: str | None
    attempts: int
    outbox_id: int | None
    updated_at: datetime


class CursorOut(Model):
    name: str
    updated_at: datetime | None
    age_seconds: int | None = Field(description="null when the pull never stored a cursor")
    last_run_status: str | None
    stale: bool


class OutboxOut(Model):
    waiting: int
    oldest_id: int | None
    oldest_created_at: datetime | None
    oldest_age_seconds: int | None
    stale: bool


class TokenOut(Model):
    cached: bool
    expires_in_seconds: int | None


class OpsStatusOut(Model):
    generated_at: datetime
    attention: list[str] = Field(description="one line per kind of problem; empty when all is well")
    queues: list[QueueOut]
    dead_letters_total: int
    dead_letters: list[DeadLetterOut] = Field(description="the oldest 50 pending")
    held_total: int
    held: list[HeldOut] = Field(description="the oldest 50")
    undeliverable_total: int
    undeliverable: list[UndeliverableOut] = Field(description="the newest 50")
    cursor: CursorOut
    outbox: OutboxOut
    token: TokenOut


class _Choice(Model):
    """Either some ids or `all`, never both, never neither (as the CLI's arguments)."""

    all: bool = False

    def _ids(self) -> list[object] | None:
        raise NotImplementedError

    @model_validator(mode="after")
    def _one_of(self) -> _Choice:
        if bool(self._ids()) == self.all:
            raise ValueError("give ids or all=true, not both")
        return self


DeadLetterId = Annotated[int, Field(ge=1, le=2**62)]
JobId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:-]{1,128}$")]


class ReplayIn(_Choice):
    ids: list[DeadLetterId] | None = Field(default=None, max_length=500)

    def _ids(self) -> list[object] | None:
        return list(self.ids) if self.ids else None


class ReplayItem(Model):
    id: int
    result: str = Field(description="accepted, duplicate or rejected: <reason>")


class ReplayOut(Model):
    items: list[ReplayItem]


class HeldRetryOut(Model):
    released: int
    applied: int
    still_held: int


class RequeueIn(_Choice):
    job_ids: list[JobId] | None = Field(default=None, max_length=500)

    def _ids(self) -> list[object] | None:
        return list(self.job_ids) if self.job_ids else None


class RequeueOut(Model):
    queue: str
    requeued: list[str]


def _admin() -> None:
    require_ops_admin(db_session(), c.viewer())


@endpoint(
    bp, "GET", "/admin/ops/status", summary="What needs attention (admin)", response=OpsStatusOut
)
def ops_status() -> OpsStatusOut:
    _admin()
    runtime = get_runtime()
    status = gather_status(
        db_session(), make_probe(runtime), settings=runtime.settings, now=c.now()
    )
    return OpsStatusOut.model_validate(status)


@endpoint(
    bp,
    "POST",
    "/admin/ops/dead-letters/replay",
    summary="Replay dead letters through ingestion (admin)",
    response=ReplayOut,
    body=ReplayIn,
)
def ops_replay(body: ReplayIn) -> ReplayOut:
    _admin()
    results = replay_letters(db_session(), None if body.all else body.ids, now=c.now())
    return ReplayOut(items=[ReplayItem(id=r.id, result=r.result) for r in results])


@endpoint(
    bp,
    "POST",
    "/admin/ops/held/retry",
    summary="Re-apply held events whose parent has arrived (admin)",
    response=HeldRetryOut,
)
def ops_retry_held() -> HeldRetryOut:
    _admin()
    return HeldRetryOut.model_validate(retry_held(db_session(), now=c.now()))


@endpoint(
    bp,
    "POST",
    "/admin/ops/queues/{queue}/requeue",
    summary="Put failed jobs back on their queue (admin)",
    response=RequeueOut,
    body=RequeueIn,
)
def ops_requeue(queue: str, body: RequeueIn) -> RequeueOut:
    _admin()
    done = requeue_failed_jobs(make_probe(get_runtime()), queue, None if body.all else body.job_ids)
    return RequeueOut(queue=queue, requeued=done)
