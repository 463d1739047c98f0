"""Outbox rows reach the dispatcher only when the outermost transaction commits."""

from __future__ import annotations

from storage.db import make_session_factory
from storage.outbox_dispatch import install_outbox_dispatch
from storage.runtime import Runtime
from storage.sync_models import OutboxEvent


def _row(n: int) -> OutboxEvent:
    return OutboxEvent(
        kind="score.published",
        entity_kind="score",
        entity_id=f"sc-{n}",
        dedupe_key=f"test:{n}",
        payload={},
    )


def _factory(runtime: Runtime, seen: list[list[tuple[int, str]]]):  # type: ignore[no-untyped-def]
    factory = make_session_factory(runtime.engine)
    install_outbox_dispatch(factory, seen.append)
    return factory


def test_a_released_savepoint_does_not_dispatch_before_the_commit(runtime: Runtime) -> None:
    seen: list[list[tuple[int, str]]] = []
    with _factory(runtime, seen)() as session:
        with session.begin_nested():
            session.add(_row(1))
        assert seen == []  # the row is not durable yet: a job now could not see it
        session.add(_row(2))
        session.commit()
    assert [sorted(kind for _, kind in batch) for batch in seen] == [
        ["score.published", "score.published"]
    ]


def test_a_rolled_back_savepoint_keeps_the_outer_rows(runtime: Runtime) -> None:
    seen: list[list[tuple[int, str]]] = []
    with _factory(runtime, seen)() as session:
        session.add(_row(1))
        session.flush()
        outer_id = session.info["outbox_ids_pending_commit"][0][0]
        try:
            with session.begin_nested():
                session.add(_row(2))
                session.flush()
                raise RuntimeError("inner work failed")
        except RuntimeError:
            pass
        session.commit()
    assert outer_id in [outbox_id for batch in seen for outbox_id, _ in batch]


def test_an_outer_rollback_dispatches_nothing(runtime: Runtime) -> None:
    seen: list[list[tuple[int, str]]] = []
    with _factory(runtime, seen)() as session:
        session.add(_row(1))
        session.flush()
        session.rollback()
        session.commit()
    assert seen == []
