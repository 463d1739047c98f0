"""The change-feed pull against the demo EHR over HTTP: paging, crash and resume, the guard."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, func, select, text

from jobs.sync import PullAlreadyRunning, iter_pull, pull_lock_key, run_pull
from sandbox.ehr import events as ev
from sandbox.ehr.scenario import load_org, scenario_events
from storage.ehr_log import get_cursor
from storage.models import Candidate, Interview, Score
from storage.runtime import Runtime
from storage.sync_models import ChangeHistory, EhrEvent, OutboxEvent, SyncCursor
from tests.ehr.conftest import Db, feed_events, inserting_events_waits, with_settings
from tests.support.process_env import settings_env
from tests.support.servers import wait_until

REPO = Path(__file__).resolve().parents[2]
# invited, opened, attended, no-show, published, revised, and cand-03's application arriving
# with its health certificate missing (the candidate's to-do); cand-07 advanced (stage changed)
# and their second round scheduled; cand-05 advanced (stage changed; her round is already over);
# cand-13 moved to the offer stage (stage changed)
SCENARIO_OUTBOX = 20 + 14 + 12 + 3 + 12 + 1 + 1 + 1 + 1 + 1 + 1


def _scenario() -> list[dict[str, object]]:
    return scenario_events(load_org())


def test_pull_reads_every_page_and_stores_the_cursor(
    sync_runtime: Runtime, demo_ehr: str, db: Db
) -> None:
    events = _scenario()
    feed_events(demo_ehr, events)
    progress = run_pull(sync_runtime)
    pages = -(-len(events) // 20)
    assert progress.pages == pages and progress.events == len(events)
    assert progress.summary()["applied"] == len(events)
    assert db.get(SyncCursor, "ehr_feed").cursor == f"c-{len(events)}"
    assert db.count(Candidate) == 20 and db.count(Score) == 12
    assert db.count(OutboxEvent) == SCENARIO_OUTBOX
    assert {h.source for h in db.all(ChangeHistory)} == {"pull"}
    # Nothing new: one more (empty) page, nothing applied.
    again = run_pull(sync_runtime)
    assert again.summary()["applied"] == 0 and again.pages == 1


def test_a_second_pull_does_not_run_while_one_holds_the_lock(sync_runtime: Runtime) -> None:
    sync_runtime.redis.set(pull_lock_key(), "someone-else")
    with pytest.raises(PullAlreadyRunning):
        next(iter_pull(sync_runtime))


def _env(runtime: Runtime) -> dict[str, str]:
    return settings_env(runtime.settings, NO_PROXY="127.0.0.1,localhost")


def _cursor(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return conn.scalar(text("SELECT cursor FROM sync_cursor"))


def _assert_each_event_applied_once(runtime: Runtime, db: Db, events: list[object]) -> None:
    assert db.count(EhrEvent) == len(events)
    assert db.count(EhrEvent, EhrEvent.state == "applied") == len(events)
    with runtime.session_factory() as session:
        per_version = session.execute(
            select(
                ChangeHistory.entity_kind,
                ChangeHistory.entity_id,
                ChangeHistory.version,
                func.count(),
            ).group_by(ChangeHistory.entity_kind, ChangeHistory.entity_id, ChangeHistory.version)
        ).all()
        assert len(per_version) == len(events) and all(row[3] == 1 for row in per_version)
        assert get_cursor(session, "ehr_feed").cursor == f"c-{len(events)}"
    assert db.count(OutboxEvent) == SCENARIO_OUTBOX


@pytest.mark.parametrize("transaction_events", [1, 40], ids=["page-each", "two-pages-each"])
def test_a_pull_killed_mid_page_resumes_with_nothing_lost_or_doubled(
    sync_runtime: Runtime, demo_ehr: str, db: Db, transaction_events: int
) -> None:
    # Pages of 20 events: a transaction for each, or for each two (the kill is then mid-batch).
    sync_runtime = with_settings(sync_runtime, EHR_PULL_TRANSACTION_EVENTS=transaction_events)
    events = _scenario()
    feed_events(demo_ehr, events)
    blocker = events[50]  # on the third page of 20
    engine = sync_runtime.engine
    # Another transaction is inserting the same event id and has not committed: the pull's
    # insert of page 3 waits on it, with pages 1 and 2 durable, and is killed while waiting.
    with engine.connect() as holder:
        holder.execute(
            text(
                "INSERT INTO ehr_event (id, type, entity_kind, entity_id, version, occurred_at,"
                " received_at, source, state, payload) VALUES (:id, 'x', 'x', 'x', 0, now(),"
                " now(), 'push', 'held', '{}')"
            ),
            {"id": blocker["id"]},
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "ehr", "sync"],
            cwd=REPO,
            env=_env(sync_runtime),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            # Page 3 waits on the lock, with the pages before it durable.
            wait_until(
                lambda: inserting_events_waits(engine) and _cursor(engine) == "c-40", timeout=60
            )
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        holder.rollback()
    assert db.count(EhrEvent) == 40
    sync_runtime.redis.delete(pull_lock_key())  # a killed process cannot release its lock
    progress = run_pull(sync_runtime)
    assert progress.summary()["duplicate"] == 0
    _assert_each_event_applied_once(sync_runtime, db, events)
    assert db.count(Interview) == 22  # 20 AI interviews, cand-07's and cand-05's second rounds


def _candidates(n: int) -> list[dict[str, object]]:
    return [ev.event("candidate", ev.candidate(f"cand-{i:02d}")) for i in range(1, n + 1)]


def test_full_sync_refuses_to_tombstone_too_much_unless_forced(
    sync_app: Flask, sync_runtime: Runtime, demo_ehr: str, db: Db
) -> None:
    with sync_runtime.session_factory() as session:
        from datetime import UTC, datetime

        from services.ehr.sync import ingest_events

        ingest_events(session, _candidates(20), source="push", received_at=datetime.now(UTC))
    feed_events(demo_ehr, _candidates(20)[:17])  # the feed lost 3 of 20: 15% > 10%
    runner = sync_app.test_cli_runner()
    refused = runner.invoke(args=["ehr", "sync", "--full"])
    assert refused.exit_code != 0
    assert "3 of 20" in refused.output and "--force" in refused.output
    assert db.count(Candidate, Candidate.deleted.is_(True)) == 0
    forced = runner.invoke(args=["ehr", "sync", "--full", "--force"])
    assert forced.exit_code == 0, forced.output
    assert "tombstoned: candidate=3" in forced.output
    gone = db.all(Candidate, Candidate.deleted.is_(True), order_by=Candidate.id)
    assert [c.id for c in gone] == ["cand-18", "cand-19", "cand-20"]
    last = db.history("candidate", "cand-20")[-1]
    assert last.operation == "deleted" and last.data["reason"] == "absent_from_full_feed"


def test_full_sync_within_the_share_tombstones_without_force(
    sync_app: Flask, sync_runtime: Runtime, demo_ehr: str, db: Db
) -> None:
    feed_events(demo_ehr, _candidates(20))
    runner = sync_app.test_cli_runner()
    assert runner.invoke(args=["ehr", "sync"]).exit_code == 0
    with sync_runtime.session_factory() as session:
        from datetime import UTC, datetime

        from services.ehr.sync import ingest_events

        ingest_events(
            session,
            [ev.event("candidate", ev.candidate("cand-99"))],
            source="push",
            received_at=datetime.now(UTC),
        )
    result = runner.invoke(args=["ehr", "sync", "--full"])
    assert result.exit_code == 0, result.output
    assert "applied=0" in result.output and "duplicate=20" in result.output
    assert db.get(Candidate, "cand-99").deleted


def test_cli_sync_shows_a_summary(sync_app: Flask, demo_ehr: str) -> None:
    feed_events(
        demo_ehr,
        [
            *_candidates(3),
            ev.event("score", ev.score("sc-1")),
            {"id": "bad", "type": "candidate.upserted", "data": {}},
        ],
    )
    result = sync_app.test_cli_runner().invoke(args=["ehr", "sync"])
    assert result.exit_code == 0, result.output
    assert "applied=3 stale=0 duplicate=0 rejected=1 held=1" in result.output
