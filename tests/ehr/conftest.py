"""Fixtures of the EHR sync tests: signed webhook posts and a view of what the cache holds."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select, text
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

from clients.ehr import EhrTransientError, FeedPage
from sandbox.ehr import events as ev
from sandbox.ehr.testing import running_demo_ehr
from storage.db import make_session_factory
from storage.ehr_log import get_cursor
from storage.runtime import Runtime
from storage.sync_models import ChangeHistory, DeadLetter, EhrEvent, OutboxEvent
from tests.conftest import make_test_settings

Post = Callable[..., TestResponse]


@pytest.fixture
def post_events(client: FlaskClient, runtime: Runtime) -> Post:
    """POST a signed batch to the webhook (override secret, timestamp or the body as needed)."""
    secret = runtime.settings.require("EHR_WEBHOOK_SECRET")

    def _post(
        events: list[dict[str, Any]] | None = None,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        **sign_kw: Any,
    ) -> TestResponse:
        raw = body if body is not None else ev.batch_body(events or [])
        signed = ev.sign(raw, sign_kw.get("secret", secret), sign_kw.get("timestamp"))
        return client.post(
            "/ehr/events", data=raw, headers=headers if headers is not None else signed
        )

    return _post


class Db:
    """Small read helpers over the test database."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def get(self, model: Any, key: Any) -> Any:
        with self.runtime.session_factory() as session:
            return session.get(model, key)

    def count(self, model: Any, *where: Any) -> int:
        with self.runtime.session_factory() as session:
            return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    def all(self, model: Any, *where: Any, order_by: Any = None) -> list[Any]:
        with self.runtime.session_factory() as session:
            stmt = select(model).where(*where)
            if order_by is not None:
                stmt = stmt.order_by(order_by)
            return list(session.scalars(stmt))

    def history(self, kind: str, entity_id: str) -> list[ChangeHistory]:
        return self.all(
            ChangeHistory,
            ChangeHistory.entity_kind == kind,
            ChangeHistory.entity_id == entity_id,
            order_by=ChangeHistory.id,
        )

    def outbox(self) -> list[OutboxEvent]:
        return self.all(OutboxEvent, order_by=OutboxEvent.id)

    def event(self, event_id: str) -> EhrEvent | None:
        return self.get(EhrEvent, event_id)

    def dead_letters(self) -> list[DeadLetter]:
        return self.all(DeadLetter, order_by=DeadLetter.id)


@pytest.fixture
def db(runtime: Runtime) -> Db:
    return Db(runtime)


def org_events() -> list[dict[str, Any]]:
    """A department, an HR, a position and a candidate: the parents of most test cases."""
    return [
        ev.event("department", ev.department("d-1")),
        ev.event("staff", ev.staff("st-1")),
        ev.event("position", ev.position("pos-1")),
        ev.event("candidate", ev.candidate("cand-1")),
    ]


@pytest.fixture
def demo_ehr() -> Iterator[str]:
    """The demo EHR on a free port with an empty feed; push events with `feed_events`."""
    with running_demo_ehr(api_token="test-ehr-token", webhook_secret="test-webhook-secret") as url:
        yield url


class FixedFeed:
    """A change feed of fixed pages, as the pull sees the EHR; past the last page it is empty,
    or, with `fail_after_last`, the fetch fails as a dropped connection would."""

    def __init__(self, pages: list[list[dict[str, Any]]], *, fail_after_last: bool = False) -> None:
        self.pages = pages
        self.fail_after_last = fail_after_last

    def fetch_changes(self, *, after: str | None, limit: int) -> FeedPage:
        start = int(after.removeprefix("c-")) if after else 0
        if start >= len(self.pages):
            if self.fail_after_last:
                raise EhrTransientError("GET /events: ConnectionError")
            return FeedPage([], after, False)
        more = self.fail_after_last or start + 1 < len(self.pages)
        return FeedPage(self.pages[start], f"c-{start + 1}", more)

    def close(self) -> None:
        pass


def feed_events(base_url: str, events: list[dict[str, Any]]) -> None:
    """Append events to the demo EHR's change feed (without pushing them)."""
    response = requests.post(
        f"{base_url}/_demo/events", json={"events": events, "push": False}, timeout=10
    )
    response.raise_for_status()


def inserting_events_waits(engine: Engine) -> bool:
    """Whether an insert into ehr_event waits for a lock (another transaction's same id)."""
    with engine.connect() as conn:
        query = (
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND query ILIKE 'INSERT INTO%ehr_event%'"
        )
        return bool(conn.scalar(text(query)))


def stored_cursor(runtime: Runtime) -> str | None:
    """The change feed's cursor as committed (read in a session of its own)."""
    with runtime.session_factory() as session:
        cursor = get_cursor(session, "ehr_feed")
        return None if cursor is None else cursor.cursor


def with_settings(runtime: Runtime, **overrides: Any) -> Runtime:
    """The test runtime (same engine and Redis) with some settings changed."""
    settings = make_test_settings(
        runtime.settings.require("DATABASE_URL"),
        runtime.settings.require("REDIS_URL"),
        **{
            "EHR_BASE_URL": runtime.settings.EHR_BASE_URL,
            "EHR_PULL_PAGE_SIZE": runtime.settings.EHR_PULL_PAGE_SIZE,
            "EHR_PULL_TRANSACTION_EVENTS": runtime.settings.EHR_PULL_TRANSACTION_EVENTS,
            **overrides,
        },
    )
    return Runtime(
        settings=settings,
        engine=runtime.engine,
        session_factory=make_session_factory(runtime.engine),
        redis=runtime.redis,
    )


@pytest.fixture
def sync_runtime(runtime: Runtime, demo_ehr: str) -> Runtime:
    """The test runtime with settings pointing at the demo EHR, small pages, each page in a
    transaction of its own."""
    return with_settings(
        runtime, EHR_BASE_URL=demo_ehr, EHR_PULL_PAGE_SIZE=20, EHR_PULL_TRANSACTION_EVENTS=1
    )


@pytest.fixture
def sync_app(sync_runtime: Runtime) -> Flask:
    from web import create_app

    return create_app(runtime=sync_runtime, test_config={"TESTING": True})


@pytest.fixture
def live_backend(app: Flask) -> Iterator[str]:
    """The app served over real HTTP on a free port (threaded), for concurrent requests."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
