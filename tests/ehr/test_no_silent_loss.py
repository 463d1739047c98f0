"""An accepted event is never lost: an entity whose row can be neither inserted nor read after
the insert-race retries fails its whole batch, which the EHR (503) or the next pull retries.

The case is forced in PostgreSQL itself: a trigger makes the entity's insert insert nothing, as a
concurrent transaction's row would, and there is no row to read afterwards, on every attempt.
(A race lost once, to a real concurrent insert, is applied on the retry:
`test_concurrent_creates_of_one_entity_both_land`.)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from jobs.sync import iter_pull
from sandbox.ehr import events as ev
from services.ehr.apply import EntityRaceLost
from storage.models import Candidate
from storage.runtime import Runtime
from storage.sync_models import ChangeHistory, EhrEvent, OutboxEvent
from tests.ehr.conftest import Db, FixedFeed, Post, org_events

LOST = "cand-lost"


@pytest.fixture
def inserts_of_lost_vanish(runtime: Runtime) -> Iterator[None]:
    """While in use, an insert of candidate `LOST` inserts nothing (ON CONFLICT DO NOTHING
    returns no row for it, and no row is there to read)."""
    with runtime.engine.begin() as conn:
        conn.execute(
            text(
                "CREATE FUNCTION test_skip_insert() RETURNS trigger LANGUAGE plpgsql AS $$"
                f" BEGIN IF NEW.id = '{LOST}' THEN RETURN NULL; END IF; RETURN NEW; END $$"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER test_skip_insert BEFORE INSERT ON candidate"
                " FOR EACH ROW EXECUTE FUNCTION test_skip_insert()"
            )
        )
    try:
        yield
    finally:
        _drop_trigger(runtime)


def _drop_trigger(runtime: Runtime) -> None:
    with runtime.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER IF EXISTS test_skip_insert ON candidate"))
        conn.execute(text("DROP FUNCTION IF EXISTS test_skip_insert()"))


def test_the_webhook_answers_503_keeps_nothing_and_applies_the_retry(
    runtime: Runtime, post_events: Post, db: Db, inserts_of_lost_vanish: None
) -> None:
    batch = [
        *org_events(),
        ev.event("candidate", ev.candidate(LOST)),
        ev.event("application", ev.application("app-1")),
    ]
    refused = post_events(batch)
    assert refused.status_code == 503, refused.get_data(as_text=True)
    error = refused.json["error"]  # type: ignore[index]
    assert error["code"] == "retry_later" and LOST in error["message"]
    assert refused.headers["Retry-After"] == "5"  # the EHR's retry waits, then succeeds
    # Nothing of the batch was kept: the retry must not find its events as duplicates.
    assert db.count(EhrEvent) == 0 and db.count(Candidate) == 0
    assert db.count(ChangeHistory) == 0 and db.count(OutboxEvent) == 0
    _drop_trigger(runtime)
    retried = post_events(batch)
    assert retried.status_code == 200
    answer = retried.json
    assert answer is not None and answer["accepted"] == [e["id"] for e in batch]
    assert answer["duplicates"] == []
    assert db.get(Candidate, LOST) is not None
    assert db.count(EhrEvent, EhrEvent.state == "applied") == len(batch)
    assert db.count(ChangeHistory) == len(batch)


def test_the_pull_stops_before_the_batch_and_the_next_pull_applies_it(
    sync_runtime: Runtime, db: Db, inserts_of_lost_vanish: None
) -> None:
    pages = [
        org_events(),
        [ev.event("candidate", ev.candidate("cand-2")), ev.event("candidate", ev.candidate(LOST))],
        [ev.event("candidate", ev.candidate("cand-3"))],
    ]
    pulled = []
    with pytest.raises(EntityRaceLost, match=LOST):
        for progress in iter_pull(sync_runtime, client=FixedFeed(pages)):  # type: ignore[arg-type]
            pulled.append(progress.pages)
    assert pulled == [1]
    assert db.count(EhrEvent) == len(pages[0])
    assert db.get(Candidate, "cand-2") is None
    with sync_runtime.session_factory() as session:
        cursor = session.execute(text("SELECT cursor FROM sync_cursor")).scalar()
    assert cursor == "c-1"
    _drop_trigger(sync_runtime)
    progress = list(iter_pull(sync_runtime, client=FixedFeed(pages)))[-1]  # type: ignore[arg-type]
    assert progress.summary()["applied"] == 3 and progress.summary()["duplicate"] == 0
    assert {c.id for c in db.all(Candidate)} == {"cand-1", "cand-2", LOST, "cand-3"}
    assert db.count(EhrEvent, EhrEvent.state == "applied") == sum(len(p) for p in pages)
