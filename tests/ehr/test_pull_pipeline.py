"""The pull's overlapped pages: page N+1 applied while page N is still open, commits in order.

On PostgreSQL the pull applies a page in one connection while the page before it commits in
another. These tests hold page N open on purpose and check that page N+1 neither waits for it nor
gets anything wrong: parents page N created count as existing, events page N held are released,
entities page N touched are applied only after it committed, and a page whose predecessor fails
is rolled back with it.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from redis.exceptions import LockNotOwnedError
from sqlalchemy import text
from sqlalchemy.orm import Session

from clients.ehr import FeedPage
from jobs.sync import iter_pull, pull_lock_key, run_pull
from sandbox.ehr import events as ev
from sandbox.ehr.scenario import load_org, scenario_events
from services.ehr.sync import begin_feed_page, commit_feed_page, must_wait, parse_events
from storage.db import make_engine, make_session_factory, upgrade_database
from storage.ehr_log import get_cursor
from storage.models import Application, Candidate, Interview
from storage.runtime import Runtime
from storage.sync_models import ChangeHistory, EhrEvent, OutboxEvent
from tests.conftest import make_test_settings
from tests.ehr.conftest import Db, FixedFeed, feed_events, org_events, with_settings
from tests.support.servers import wait_until

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _no_waiting(session: Session) -> None:
    # Page N+1 must never wait for page N's locks: with page N held open by this same test, a
    # wait would hang, so it fails fast instead.
    session.execute(text("SET LOCAL lock_timeout = '5s'"))


def test_a_page_counts_on_the_open_page_before_it(runtime: Runtime, db: Db) -> None:
    page1 = [
        *org_events(),
        ev.event("application", ev.application("app-1")),
        ev.event("interview", ev.interview("iv-1")),
    ]
    page2 = [
        ev.event("interview", ev.interview("iv-3", application_id="app-1")),  # parent: page 1
        ev.event("score", ev.score("sc-1", interview_id="iv-1")),  # parent: page 1
    ]
    first, second = runtime.session_factory(), runtime.session_factory()
    try:
        one = begin_feed_page(first, page1, next_cursor="c-1", received_at=NOW)
        assert not must_wait(parse_events(page2), one)
        _no_waiting(second)
        two = begin_feed_page(second, page2, next_cursor="c-2", received_at=NOW, after=one)
        # Nothing of page 2 is held: page 1's entities count although no one can see them yet.
        assert two.applier.counts["held"] == 0
        assert commit_feed_page(one).summary()["applied"] == len(page1)
        assert commit_feed_page(two).summary()["applied"] == len(page2)
    finally:
        first.close()
        second.close()
    assert {i.id for i in db.all(Interview)} == {"iv-1", "iv-3"}
    assert db.count(EhrEvent, EhrEvent.state != "applied") == 0
    assert [o.kind for o in db.outbox() if o.entity_id == "sc-1"] == ["score.published"]
    with runtime.session_factory() as session:
        cursor = get_cursor(session, "ehr_feed")
        assert cursor is not None and cursor.cursor == "c-2"


def test_a_page_with_events_for_what_the_open_page_holds_waits_for_it(
    runtime: Runtime, db: Db
) -> None:
    page1 = [
        *org_events(),
        ev.event("application", ev.application("app-1")),
        ev.event("interview", ev.interview("iv-1")),
        # Its application comes later: held by page 1.
        ev.event("interview", ev.interview("iv-2", application_id="app-2")),
    ]
    with runtime.session_factory() as session:
        one = begin_feed_page(session, page1, next_cursor="c-1", received_at=NOW)
        try:

            def after_one(*events: dict[str, Any]) -> bool:
                return must_wait(parse_events(list(events)), one)

            opened = ev.interview("iv-1", 2, status="opened")
            # An entity page 1 wrote (its row is locked), one page 1's held event waits for,
            # or a child of what page 1 created: only the last may go beside it.
            assert after_one(ev.event("interview", opened))
            assert after_one(ev.event("application", ev.application("app-2")))
            assert not after_one(ev.event("interview", ev.interview("iv-5")))
        finally:
            session.rollback()


def test_pages_that_depend_on_each_other_apply_as_if_one_after_another(
    sync_runtime: Runtime, db: Db
) -> None:
    # A delete held on page 1 (its candidate unknown), the candidate on page 2, which releases
    # the delete, and a newer version on page 3; interviews updated across the pages. Each page
    # in a transaction of its own (a page joins another only under twice the setting's one
    # event), so each waits for the one before it (`must_wait`).
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


class _LockWatchingFeed(FixedFeed):
    """Cuts the pull lock's time to live at every fetch, and before the next fetch waits until
    the pull has renewed it: the pull has pages in hand (read ahead), so a renewal after every
    page read comes; one only after a commit would not, and the wait would time out."""

    CUT_MS = 60_000

    def __init__(self, pages: list[list[dict[str, Any]]], runtime: Runtime) -> None:
        super().__init__(pages)
        self.redis = runtime.redis
        self.fetches = 0

    def fetch_changes(self, *, after: str | None, limit: int) -> FeedPage:
        if after is not None:
            wait_until(lambda: self.redis.pttl(pull_lock_key()) > self.CUT_MS, timeout=10)
        self.redis.pexpire(pull_lock_key(), self.CUT_MS)
        self.fetches += 1
        return super().fetch_changes(after=after, limit=limit)


def test_the_pull_lock_is_renewed_after_every_page_read(sync_runtime: Runtime) -> None:
    # Many pages go into one transaction: the lock must not expire before it commits.
    sync_runtime = with_settings(sync_runtime, EHR_PULL_TRANSACTION_EVENTS=1000)
    feed = _LockWatchingFeed([[e] for e in org_events()] * 3, sync_runtime)
    progress = list(iter_pull(sync_runtime, client=feed))  # type: ignore[arg-type]
    assert progress[0].transactions == 1 and progress[0].pages == 12
    assert feed.fetches == 12


class _StealingFeed(FixedFeed):
    """While the page after `steal_at` events is fetched, another pull takes the lock (as if
    this pull's had expired)."""

    def __init__(self, pages: list[list[dict[str, Any]]], runtime: Runtime, steal_at: int) -> None:
        super().__init__(pages)
        self.redis, self.steal_at = runtime.redis, steal_at

    def fetch_changes(self, *, after: str | None, limit: int) -> FeedPage:
        if (int(after.removeprefix("c-")) if after else 0) == self.steal_at:
            self.redis.set(pull_lock_key(), "another-pull")
        return super().fetch_changes(after=after, limit=limit)


def test_a_pull_that_lost_its_lock_commits_nothing_more(sync_runtime: Runtime, db: Db) -> None:
    # All pages would go into one transaction; the lock is lost while the third is read.
    sync_runtime = with_settings(sync_runtime, EHR_PULL_TRANSACTION_EVENTS=1000)
    feed = _StealingFeed([[e] for e in org_events()], sync_runtime, steal_at=2)
    with pytest.raises(LockNotOwnedError):
        list(iter_pull(sync_runtime, client=feed))  # type: ignore[arg-type]
    assert sync_runtime.redis.get(pull_lock_key()) == b"another-pull"
    with sync_runtime.session_factory() as session:
        assert get_cursor(session, "ehr_feed") is None
    assert db.count(EhrEvent) == 0


def test_a_page_with_events_for_the_entities_of_the_page_before_joins_its_transaction(
    sync_runtime: Runtime, db: Db
) -> None:
    sync_runtime = with_settings(sync_runtime, EHR_PULL_TRANSACTION_EVENTS=5)
    pages = [
        [
            *org_events(),
            ev.event("application", ev.application("app-1")),
            ev.event("interview", ev.interview("iv-1")),
            # Its application is on the next page: joined, nothing is held.
            ev.event("interview", ev.interview("iv-9", application_id="app-9")),
        ],
        [
            ev.event("interview", ev.interview("iv-1", 2, status="opened")),
            ev.event("application", ev.application("app-9")),
        ],
        # Only a child of what the pages before created: a transaction of its own.
        [ev.event("score", ev.score("sc-1", interview_id="iv-1"))],
    ]
    pulled = [
        (progress.pages, progress.transactions, progress.summary()["applied"])
        for progress in iter_pull(sync_runtime, client=FixedFeed(pages))  # type: ignore[arg-type]
    ]
    assert pulled[:2] == [(2, 1, len(pages[0]) + 2), (3, 2, len(pages[0]) + 3)]
    assert pulled[-1][2] == sum(len(p) for p in pages)
    assert db.count(EhrEvent, EhrEvent.state != "applied") == 0
    assert db.get(Interview, "iv-1").version == 2
    assert [h.operation for h in db.history("interview", "iv-1")] == ["created", "updated"]
    kinds = [o.kind for o in db.outbox() if o.entity_id == "iv-1"]
    assert kinds == ["interview.invited", "interview.opened"]
    with sync_runtime.session_factory() as session:
        cursor = get_cursor(session, "ehr_feed")
        assert cursor is not None and cursor.cursor == "c-3"


def test_joined_pages_stay_under_twice_the_setting(sync_runtime: Runtime, db: Db) -> None:
    assert sync_runtime.settings.EHR_PULL_TRANSACTION_EVENTS == 1
    pages = [
        [*org_events(), ev.event("application", ev.application("app-1"))],
        *[
            [ev.event("interview", ev.interview("iv-1", version, round=version))]
            for version in (1, 2, 3, 4)
        ],
    ]
    pulled = [
        progress.pages
        for progress in iter_pull(sync_runtime, client=FixedFeed(pages))  # type: ignore[arg-type]
    ]
    # The interview's first version has events only for children: alone. Each later version
    # joins the one before it, two events at most.
    assert pulled[:3] == [1, 3, 5]
    assert db.get(Interview, "iv-1").version == 4
    assert len(db.history("interview", "iv-1")) == 4


def test_a_page_whose_predecessor_fails_is_rolled_back_with_it(
    sync_runtime: Runtime, demo_ehr: str, db: Db
) -> None:
    events = scenario_events(load_org())
    feed_events(demo_ehr, events)
    failing = events[25]["id"]  # on page 2 of 20 events
    engine = sync_runtime.engine
    # A fault the page's commit meets in the database itself: its history insert fails.
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
    # Page 3 had been applied beside page 2's commit: it went with it.
    assert db.count(EhrEvent) == 20
    with sync_runtime.session_factory() as session:
        cursor = get_cursor(session, "ehr_feed")
        assert cursor is not None and cursor.cursor == "c-20"
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
    # The pull overlaps pages while signed batches update the same entities through the
    # webhook: nothing may wait forever, and every entity ends at its highest version.
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
