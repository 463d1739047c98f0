"""Hand outbox rows to a dispatcher after their transaction commits, never before.

A card must never go out for a change that rolled back, so new OutboxEvent ids are collected at
flush and passed on only from `after_commit`. If the dispatcher fails (Redis down), the rows stay
pending in the database and the outbox sweep dispatches them later: nothing is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from storage.sync_models import OutboxEvent

log = logging.getLogger(__name__)
_PENDING = "outbox_ids_pending_commit"
Dispatcher = Callable[[list[tuple[int, str]]], None]  # (outbox id, kind)


def note_outbox_rows(session: Session, rows: list[tuple[int, str]]) -> None:
    """Queue rows inserted without the ORM (bulk SQL) for dispatch after this commit."""
    session.info.setdefault(_PENDING, []).extend(rows)


def install_outbox_dispatch(factory: sessionmaker[Session] | Any, dispatch: Dispatcher) -> None:
    """Make every session from `factory` pass committed outbox ids to `dispatch`."""

    @event.listens_for(factory, "after_flush")
    def _collect(session: Session, _ctx: object) -> None:
        ids = [(obj.id, obj.kind) for obj in session.new if isinstance(obj, OutboxEvent)]
        if ids:
            session.info.setdefault(_PENDING, []).extend(ids)

    @event.listens_for(factory, "after_commit")
    def _dispatch(session: Session) -> None:
        # Releasing a SAVEPOINT fires after_commit too; the rows are durable only when the
        # outermost transaction commits, so a job enqueued now could run before they exist.
        if session.in_nested_transaction():
            return
        ids: list[tuple[int, str]] = session.info.pop(_PENDING, [])
        if not ids:
            return
        try:
            dispatch(ids)
        except Exception:  # a boundary: the sweep re-dispatches whatever stayed pending
            log.warning(
                "outbox dispatch failed; the sweep will retry",
                extra={"ctx": {"outbox_ids": ids[:20]}},
                exc_info=True,
            )

    @event.listens_for(factory, "after_rollback")
    def _forget(session: Session) -> None:
        # A rolled-back SAVEPOINT must not drop the outer transaction's rows; its own ids stay
        # listed and reach a job that finds no such row and does nothing.
        if not session.in_nested_transaction():
            session.info.pop(_PENDING, None)
