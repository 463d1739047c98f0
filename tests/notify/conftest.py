"""Notification tests: the real webhook, outbox, RQ worker and DingTalk SDK, against the sandbox."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from rq import SimpleWorker
from sqlalchemy import Engine, select

from clients.dingtalk import make_dingtalk_client
from config import Settings
from jobs import context
from jobs.queues import NOTIFY_QUEUE, queue
from sandbox.dingtalk.testing import running_sandbox
from sandbox.ehr import events as ev
from sandbox.ehr.scenario import _org_events, load_org
from services.notify.policy import policy_from_settings
from storage.action_models import Delivery
from storage.db import make_session_factory
from storage.runtime import Runtime
from tests.conftest import make_test_settings
from web import create_app


@pytest.fixture(scope="session")
def sandbox_url() -> Iterator[str]:
    with running_sandbox(log_file="test-output/notify-sandbox.log") as base_url:
        yield base_url


class Sim:
    """The sandbox's control API."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url

    def get(self, path: str, **params: str) -> Any:
        response = requests.get(f"{self.base}{path}", params=params, timeout=10)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = requests.post(f"{self.base}{path}", json=body or {}, timeout=10)
        response.raise_for_status()
        return response.json()

    def cards(self, userid: str) -> list[dict[str, Any]]:
        return list(self.get("/_sim/cards", userid=userid)["cards"])

    def messages(self, userid: str) -> list[dict[str, Any]]:
        return list(self.get("/_sim/messages", userid=userid)["messages"])


@pytest.fixture
def sim(sandbox_url: str) -> Sim:
    sim = Sim(sandbox_url)
    sim.post("/_sim/reset")
    return sim


def notify_settings(database_url: str, redis_url: str, sandbox: str, **kw: Any) -> Settings:
    return make_test_settings(
        database_url, redis_url, DINGTALK_API_BASE=sandbox, DINGTALK_OAPI_BASE=sandbox, **kw
    )


@pytest.fixture
def notify_runtime(runtime: Runtime, sim: Sim, database_url: str, redis_url: str) -> Runtime:
    """The `runtime` fixture's clean database and Redis, with DingTalk aimed at the sandbox."""
    settings = notify_settings(database_url, redis_url, sim.base)
    return Runtime(
        settings=settings,
        engine=runtime.engine,
        session_factory=make_session_factory(runtime.engine),
        redis=runtime.redis,
    )


def install_worker_context(rt: Runtime) -> None:
    context.install(
        context.WorkerContext(
            runtime=rt,
            dingtalk=make_dingtalk_client(rt.settings, rt.redis),
            notify_policy=policy_from_settings(rt.settings),
        )
    )


@pytest.fixture
def notify_app(notify_runtime: Runtime) -> Flask:
    install_worker_context(notify_runtime)
    return create_app(runtime=notify_runtime, test_config={"TESTING": True})


Push = Callable[[list[dict[str, Any]]], Any]


def make_push(client: FlaskClient, secret: str) -> Push:
    def push(events: list[dict[str, Any]]) -> Any:
        raw = ev.batch_body(events)
        response = client.post("/ehr/events", data=raw, headers=ev.sign(raw, secret))
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    return push


@pytest.fixture
def push(notify_app: Flask, notify_runtime: Runtime) -> Push:
    """POST signed events to the real webhook; outbox rows are enqueued after commit."""
    return make_push(
        notify_app.test_client(), notify_runtime.settings.require("EHR_WEBHOOK_SECRET")
    )


def drain(redis: Redis) -> None:
    """Run every queued notification job in this process with a real RQ worker, then return."""
    worker = SimpleWorker([queue(NOTIFY_QUEUE, redis)], connection=redis)
    worker.work(burst=True, with_scheduler=False)


def org_events() -> list[dict[str, Any]]:
    return _org_events(load_org())


def application_events(
    n: int,
    *,
    candidate_id: str,
    position_id: str = "pos-store-night",
    dingtalk_user_id: str | None = None,
    mobile: str | None = None,
) -> list[dict[str, Any]]:
    """Candidate, application and an attended AI interview: everything a score hangs on."""
    return [
        ev.event(
            "candidate",
            ev.candidate(
                candidate_id, name=f"候选人{n}", mobile=mobile, dingtalk_user_id=dingtalk_user_id
            ),
        ),
        ev.event(
            "application",
            ev.application(f"app-{n}", candidate_id=candidate_id, position_id=position_id),
        ),
        ev.event(
            "interview", ev.interview(f"iv-{n}", application_id=f"app-{n}", status="attended")
        ),
    ]


def deliveries(engine: Engine) -> list[Delivery]:
    with make_session_factory(engine)() as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.id)))
