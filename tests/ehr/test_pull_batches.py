"""The pull's batches: pages applied one transaction after another, each with its cursor.

Consecutive pages may share a transaction (`EHR_PULL_TRANSACTION_EVENTS`); the next pages are
read ahead while a batch is written. These tests check what that promises: a page that depends
on the entities of the pages before it applies as if they were one, events held by one page are
released by a later one, the stored cursor is always the one after the last durable event, a
batch that fails leaves nothing behind, and the next pull resumes. (The pull lock: test_pull_lock.)
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import text

from jobs.sync import iter_pull, run_pull
from sandbox.ehr import events as ev
from sandbox.ehr.scenario import load_org, scenario_events
from storage.db import make_engine, make_session_factory, upgrade_database
from storage.ehr_log import get_cursor
from storage.models import Application, Candidate, Interview
from storage.runtime import Runtime
from storage.sync_models import ChangeHistory, EhrEvent, OutboxEvent
from tests.conftest import make_test_settings
from tests.ehr.conftest import (
    Db,
    FixedFeed,
    feed_events,
    org_events,
    stored_cursor,
    with_settings,
)


def test_a_page_with_children_of_the_page_before_applies_them(
    sync_runtime: Runtime, db: Db
) -> None:
    pages = [
        [
            *org_events(),
            ev.event("application", ev.application("app-1")),
            ev.event("interview", ev.interview("iv-1")),
        ],
        [
            ev.event("interview", ev.interview("iv-3", application_id="app-1")),  # parent: page 1
            ev.event("score", ev.score("sc-1", interview_id="iv-1")),  # parent: page 1
        ],
    ]
    pulled = [
        (progress.transactions, progress.summary()["applied"], progress.summary()["held"])
        for progress in iter_pull(sync_runtime, client=FixedFeed(pages))  # type: ignore[arg-type]
    ]
    # A transaction each; nothing of page 2 is held: page 1's entities were there for it.
    assert pulled[:2] == [(1, len(pages[0]), 0), (2, len(pages[0]) + len(pages[1]), 0)]
    assert {i.id for i in db.all(Interview)} == {"iv-1", "iv-3"}
    assert db.count(EhrEvent, EhrEvent.state != "applied") == 0
    assert [o.kind for o in db.outbox() if o.entity_id == "sc-1"] == ["score.published"]
    assert stored_cursor(sync_runtime) == "c-2"


def test_events_held_by_a_page_are_released_by_a_later_one(sync_runtime: Runtime, db: Db) -> None:
    # Each page in a transaction of its own: none has fewer events than that.
    sync_runtime = with_settings(sync_runtime, EHR_PULL_TRANSACTION_EVENTS=1)
    pages = [
        [
            *org_events(),
            ev.event("application", ev.application("app-1")),
            ev.event("interview", ev.interview("iv-1")),
            # Its application is on the next page, in the next transaction: held until then.
            ev.event("interview", ev.interview("iv-9", application_id="app-9")),
        ],
        [
            ev.event("interview", ev.interview("iv-1", 2, status="opened")),
            ev.event("application", ev.application("app-9")),
        ],
        [ev.event("score", ev.score("sc-1", interview_id="iv-1"))],
    ]
    pulled = [
        (progress.transactions, progress.summary()["held"], progress.summary()["released"])
        for progress in iter_pull(sync_runtime, client=FixedFeed(pages))  # type: ignore[arg-type]
    ]
    # Released by page 2's own transaction, not by the retry after the last page.
    assert pulled[:3] == [(1, 1, 0), (2, 1, 1), (3, 1, 1)]
    assert pulled[-1][2] == 1
    assert db.count(EhrEvent, EhrEvent.state != "applied") == 0
    assert [h.operation for h in db.history("interview", "iv-9")] == ["created"]
    assert db.get(Interview, "iv-1").version == 2
    assert [h.operation for h in db.history("interview", "iv-1")] == ["created", "updated"]
    kinds = [o.kind for o in db.outbox() if o.entity_id == "iv-1"]
    assert kinds == ["interview.invited", "interview.opened"]
    assert [o.kind for o in db.outbox() if o.entity_id == "iv-9"] == ["interview.invited"]
    assert stored_cursor(sync_runtime) == "c-3"


def test_pages_that_depend_on_each_other_apply_as_if_one_after_another(
    sync_runtime: Runtime, db: Db
) -> None:
    # A delete held on page 1 (its candidate unknown), the candidate on page 2, which releases
    # the delete, and a newer version on page 3; interviews updated across the pages. Each page
    # in a transaction of its own.
    pages = [
        [
            *org_events()[:3],
            ev.deleted("candidate", "cand-9", 2),
            ev.event("candidate", ev.candidate("cand-1")),
            ev.event("application", ev.application("app-1")),
            ev.event("interview", ev.interview("iv-1")),
        ],
        [
            ev.event("candidate", ev.candidate("cand-9")),
            ev.event("interview", ev.interview("iv-1", 2, status="opened")),
        ],
        [
            ev.event("candidate", ev.candidate("cand-9", 3, education="master")),
            ev.event("interview", ev.interview("iv-1", 3, status="attended")),
            ev.event("interview", ev.interview("iv-2")),
        ],
    ]
    released = []
    for progress in iter_pull(sync_runtime, client=FixedFeed(pages)):  # type: ignore[arg-type]
        released.append(progress.summary()["released"])
    # Released by page 2 itself, not by the retry after the last page.
    assert released[1] == 1 and progress.summary()["held"] == 1
    candidate = db.get(Candidate, "cand-9")
    assert (candidate.version, candidate.deleted, candidate.education) == (3, False, "master")
    assert [h.operation for h in db.history("candidate", "cand-9")] == [
        "created",
        "deleted",
        "updated",
    ]
    assert db.get(Interview, "iv-1").version == 3
    assert db.count(EhrEvent, EhrEvent.state != "applied") == 0
    kinds = [o.kind for o in db.outbox() if o.entity_id == "iv-1"]
    assert kinds == ["interview.invited", "interview.opened", "interview.attended"]


def test_pages_join_one_transaction_up_to_the_setting(sync_runtime: Runtime, db: Db) -> None:
    sync_runtime = with_settings(sync_runtime, EHR_PULL_TRANSACTION_EVENTS=3)
    pages = [[e] for e in org_events()] + [[ev.event("interview", ev.interview("iv-1"))]]
    pulled = [
        (progress.pages, progress.transactions)
        for progress in iter_pull(sync_runtime, client=FixedFeed(pages))  # type: ignore[arg-type]
    ]
    # Three pages, then the last two; then the retry of held events after the last page.
    assert pulled[:2] == [(3, 1), (5, 2)]
    with sync_runtime.session_factory() as session:
        cursor = get_cursor(session, "ehr_feed")
        assert cursor is not None and cursor.cursor == "c-5"


def test_a_setting_of_one_gives_each_page_a_transaction_of_its_own(
    sync_runtime: Runtime, db: Db
) -> None:
    assert sync_runtime.settings.EHR_PULL_TRANSACTION_EVENTS == 1
    pages = [
        [*org_events(), ev.event("application", ev.application("app-1"))],
        *[
            [ev.event("interview", ev.interview("iv-1", version, round=version))]
            for version in (1, 2, 3, 4)
        ],
    ]
    pulled = [
        (progress.pages, progress.transactions)
        for progress in iter_pull(sync_runtime, client=FixedFeed(pages))  # type: ignore[arg-type]
    ]
    # Then the retry of held events after the last page.
    assert pulled == [(n, n) for n in range(1, 6)] + [(5, 5)]
    assert db.get(Interview, "iv-1").version == 4
    assert len(db.history("interview", "iv-1")) == 4


def test_the_cursor_is_stored_with_the_events_of_its_batch(sync_runtime: Runtime, db: Db) -> None:
    sync_runtime = with_settings(sync_runtime, EHR_PULL_TRANSACTION_EVENTS=3)
    pages = [[e] for e in org_events()] + [[ev.event("staff", ev.staff(f"st-{n}"))] for n in (2, 3)]
    durable = []
    for progress in iter_pull(sync_runtime, client=FixedFeed(pages)):  # type: ignore[arg-type]
        # Read on another connection while the pull goes on: what is durable at each step.
        durable.append((stored_cursor(sync_runtime), db.count(EhrEvent), db.count(ChangeHistory)))
        assert progress.events == durable[-1][1]
    assert durable == [("c-3", 3, 3), ("c-6", 6, 6), ("c-6", 6, 6)]


def test_a_batch_that_fails_leaves_the_batches_before_it_and_the_next_pull_resumes(
    sync_runtime: Runtime, demo_ehr: str, db: Db
) -> None:
    events = scenario_events(load_org())
    feed_events(demo_ehr, events)
    failing = events[25]["id"]  # on page 2 of 20 events
    engine = sync_runtime.engine
    # A fault the batch meets in the database itself, after its events and entities were
    # written: its history insert fails.
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE FUNCTION test_fail_history() RETURNS trigger LANGUAGE plpgsql AS $$"
                f" BEGIN IF NEW.event_id = '{failing}' THEN RAISE EXCEPTION 'injected fault';"
                " END IF; RETURN NEW; END $$"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER test_fail_history BEFORE INSERT ON change_history"
                " FOR EACH ROW EXECUTE FUNCTION test_fail_history()"
            )
        )
    pulled = []
    try:
        with pytest.raises(Exception, match="injected fault"):
            for progress in iter_pull(sync_runtime):
                pulled.append(progress.pages)
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TRIGGER test_fail_history ON change_history"))
            conn.execute(text("DROP FUNCTION test_fail_history()"))
    assert pulled == [1]
    # Page 2 rolled back whole, with its cursor; page 3 (read ahead) was never applied.
    assert db.count(EhrEvent) == 20
    assert stored_cursor(sync_runtime) == "c-20"
    progress = run_pull(sync_runtime)
    assert progress.summary()["duplicate"] == 0
    assert db.count(EhrEvent, EhrEvent.state == "applied") == len(events)
    assert db.count(ChangeHistory) == len(events)


def test_on_sqlite_each_page_commits_before_the_next(tmp_path: Path, runtime: Runtime) -> None:
    url = f"sqlite:///{tmp_path / 'cache.db'}"
    upgrade_database(url)
    engine = make_engine(url)
    lite = Runtime(
        settings=make_test_settings(
            url, runtime.settings.require("REDIS_URL"), EHR_PULL_TRANSACTION_EVENTS=1
        ),
        engine=engine,
        session_factory=make_session_factory(engine),
        redis=runtime.redis,
    )
    pages = [
        [*org_events(), ev.event("interview", ev.interview("iv-1"))],  # held: no app-1 yet
        [ev.event("application", ev.application("app-1"))],
        [ev.event("interview", ev.interview("iv-1", 2, status="opened"))],
    ]
    try:
        progress = list(iter_pull(lite, client=FixedFeed(pages)))[-1]  # type: ignore[arg-type]
        assert progress.pages == 3
        assert progress.summary()["held"] == 1 and progress.summary()["released"] == 1
        with lite.session_factory() as session:
            interview = session.get(Interview, "iv-1")
            assert interview is not None and interview.version == 2
            assert session.get(Application, "app-1") is not None
            assert session.query(EhrEvent).filter(EhrEvent.state != "applied").count() == 0
            assert session.query(OutboxEvent).filter_by(kind="interview.opened").count() == 1
            cursor = get_cursor(session, "ehr_feed")
            assert cursor is not None and cursor.cursor == "c-3"
    finally:
        engine.dispose()


@pytest.mark.parametrize("transaction_events", [1, 2000], ids=["page-each", "pages-joined"])
def test_a_pull_with_webhook_batches_beside_it_ends_and_keeps_the_newest(
    sync_runtime: Runtime, demo_ehr: str, live_backend: str, db: Db, transaction_events: int
) -> None:
    # Signed batches update the pull's entities through the webhook while it writes them:
    # nothing may wait forever, and every entity ends at its highest version.
    sync_runtime = with_settings(sync_runtime, EHR_PULL_TRANSACTION_EVENTS=transaction_events)
    n = 40
    feed = [*org_events()[:3]]
    for i in range(n):
        feed += [
            ev.event("candidate", ev.candidate(f"c-{i}")),
            ev.event("application", ev.application(f"a-{i}", candidate_id=f"c-{i}")),
            ev.event("interview", ev.interview(f"iv-{i}", application_id=f"a-{i}")),
        ]
    feed += [ev.event("candidate", ev.candidate(f"c-{i}", 2)) for i in range(n)]
    feed_events(demo_ehr, feed)
    secret = sync_runtime.settings.require("EHR_WEBHOOK_SECRET")
    pushes = [
        [
            ev.event("candidate", ev.candidate(f"c-{i}", 3, education="master")),
            ev.event(
                "interview", ev.interview(f"iv-{i}", 2, application_id=f"a-{i}", status="opened")
            ),
        ]
        for i in range(n)
    ]
    failures: list[BaseException] = []

    def pull() -> None:
        try:
            run_pull(sync_runtime)
        except BaseException as exc:  # reported below
            failures.append(exc)

    def push(batches: list[list[dict[str, Any]]]) -> None:
        for batch in batches:
            body = ev.batch_body(batch)
            answer = requests.post(
                f"{live_backend}/ehr/events", data=body, headers=ev.sign(body, secret), timeout=30
            )
            if answer.status_code != 200:
                failures.append(AssertionError(answer.text))

    threads = [
        threading.Thread(target=pull),
        threading.Thread(target=push, args=(pushes[::2],)),
        threading.Thread(target=push, args=(pushes[1::2],)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a pull or a push never ended"
    assert failures == []
    run_pull(sync_runtime)  # the next periodic pull releases what a push held meanwhile
    assert {(c.id, c.version) for c in db.all(Candidate)} == {(f"c-{i}", 3) for i in range(n)}
    assert {(iv.id, iv.version) for iv in db.all(Interview)} == {(f"iv-{i}", 2) for i in range(n)}
    assert db.count(EhrEvent, EhrEvent.state == "held") == 0
