"""The ingest's fast paths: PostgreSQL bulk statements, SQLite fallback, pull read-ahead."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from clients.ehr import EhrTransientError
from jobs.sync import iter_pull
from sandbox.ehr import events as ev
from services.ehr.sync import ingest_events, retry_held_events
from storage.db import make_engine, make_session_factory, upgrade_database
from storage.ehr_bulk import insert_ignore, insert_rows, table_of
from storage.ehr_log import begin_applying, get_cursor
from storage.models import Interview
from storage.runtime import Runtime
from storage.sync_models import ChangeHistory, EhrEvent, OutboxEvent
from tests.ehr.conftest import Db, FixedFeed, org_events

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _history_row(entity_id: str, changes: Any) -> dict[str, Any]:
    return {
        "entity_kind": "candidate",
        "entity_id": entity_id,
        "version": 1,
        "event_id": None,
        "source": "local",
        "operation": "updated",
        "received_at": NOW,
        "applied_at": NOW,
        "changes": changes,
        "data": {},
    }


def test_bulk_insert_keeps_json_values_python_calls_equal(runtime: Runtime, db: Db) -> None:
    # A column whose values are all equal goes as one parameter; {"a": 1} == {"a": True} in
    # Python, but they are different JSON and must both be stored as given.
    with runtime.session_factory() as session, session.begin():
        insert_rows(
            session,
            table_of(ChangeHistory),
            [_history_row("c-1", {"a": 1}), _history_row("c-2", {"a": True})],
        )
    stored = {h.entity_id: h.changes for h in db.all(ChangeHistory)}
    assert stored == {"c-1": {"a": 1}, "c-2": {"a": True}}
    assert isinstance(stored["c-2"]["a"], bool)


def test_bulk_insert_stores_what_any_json_encoder_would(runtime: Runtime, db: Db) -> None:
    # Non-ASCII text, nesting, floats, and an integer too big for orjson (the stdlib takes it).
    odd = {"名字": "王小明", "n": [1.5, {"deep": None}], "big": 2**70, "flag": False}
    with runtime.session_factory() as session, session.begin():
        insert_rows(session, table_of(ChangeHistory), [_history_row("c-1", odd)])
    assert db.all(ChangeHistory)[0].changes == odd


def test_bulk_insert_ignore_reports_only_new_rows(runtime: Runtime, db: Db) -> None:
    row = {
        "type": "candidate.upserted",
        "entity_kind": "candidate",
        "entity_id": "cand-1",
        "version": 1,
        "occurred_at": NOW,
        "received_at": NOW,
        "source": "pull",
        "state": "applied",
        "waiting_for_kind": None,
        "waiting_for_id": None,
        "applied_at": NOW,
        "payload": {"n": 1},
    }
    rows = [{**row, "id": f"e-{i}"} for i in range(3)]
    with runtime.session_factory() as session, session.begin():
        assert sorted(insert_ignore(session, table_of(EhrEvent), rows[:2], key="id")) == [
            "e-0",
            "e-1",
        ]
        assert insert_ignore(session, table_of(EhrEvent), rows, key="id") == ["e-2"]
    assert db.count(EhrEvent) == 3


def test_the_generic_path_applies_a_batch_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cache.db'}"
    upgrade_database(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    iv = ev.interview("iv-1", application_id="app-1", status="invited")
    batch = [
        ev.event("interview", iv, event_id="e-iv-1"),  # held until its application arrives
        *org_events(),
        ev.event("score", ev.score("sc-1", interview_id="iv-1"), event_id="e-sc-1"),
        ev.event("application", ev.application("app-1"), event_id="e-app-1"),
    ]
    try:
        with factory() as session:
            first = ingest_events(session, batch, source="push", received_at=NOW)
        assert first.rejected == [] and len(first.accepted) == len(batch)
        with factory() as session:
            again = ingest_events(session, batch[:2], source="push", received_at=NOW)
            assert again.duplicates == [batch[0]["id"], batch[1]["id"]]
            retry_held_events(session, now=NOW)
            count = select(func.count()).select_from(ChangeHistory)
            assert session.scalar(count) == len(batch)
            kinds = set(session.scalars(select(OutboxEvent.kind)))
            assert {"interview.invited", "score.published"} <= kinds
            assert session.get(Interview, "iv-1") is not None
            assert {e.state for e in session.scalars(select(EhrEvent))} == {"applied"}
    finally:
        engine.dispose()


def test_a_fetch_failing_ahead_still_leaves_the_pages_before_it_durable(
    sync_runtime: Runtime, db: Db
) -> None:
    org = org_events()
    feed = FixedFeed([org[:2], org[2:]], fail_after_last=True)
    pulled = []
    with pytest.raises(EhrTransientError):
        for progress in iter_pull(sync_runtime, client=feed):  # type: ignore[arg-type]
            pulled.append(progress.pages)
    assert pulled == [1, 2]
    with sync_runtime.session_factory() as session:
        cursor = get_cursor(session, "ehr_feed")
        assert cursor is not None and cursor.cursor == "c-2"
    assert db.count(EhrEvent) == len(org)


def test_begin_applying_says_whether_any_event_is_held_and_plans_each_statement(
    runtime: Runtime, post_events: Any
) -> None:
    with runtime.session_factory() as session, session.begin():
        assert begin_applying(session) is False
        # SET LOCAL: for this transaction only.
        assert session.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
    with runtime.session_factory() as session:
        assert session.execute(text("SHOW plan_cache_mode")).scalar() == "auto"
    # A score before its interview is held.
    post_events([ev.event("score", ev.score("sc-held", interview_id="iv-none"))])
    with runtime.session_factory() as session, session.begin():
        assert begin_applying(session) is True
