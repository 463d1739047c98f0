"""Digest tests: the real webhook, outbox, RQ worker, DingTalk SDK against the sandbox, and the
demo EHR for write-backs. HR owners read digests (HR_SCORE_NOTIFY=digest); working hours span
the whole day so that the windows do not depend on when the suite runs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from redis import Redis
from rq import SimpleWorker

from jobs.queues import ALL_QUEUES, queue
from sandbox.dingtalk.testing import running_sandbox
from sandbox.ehr.testing import running_demo_ehr
from storage.db import make_session_factory
from storage.runtime import Runtime
from tests.notify.conftest import (
    Push,
    Sim,
    install_worker_context,
    make_push,
    notify_settings,
)
from web import create_app

DIGEST = {
    "HR_SCORE_NOTIFY": "digest",
    "HR_DIGEST_WINDOW_MINUTES": 30,
    "WORKING_HOURS_START": "00:00",
    "WORKING_HOURS_END": "24:00",
    "QUIET_ON_HOLIDAYS": False,
    # 500 candidate cards in a test: the sandbox and our limiter admit them without throttling.
    "DINGTALK_RATE_PER_SECOND": 1000,
}


@pytest.fixture(scope="session")
def digest_sandbox() -> Iterator[str]:
    with running_sandbox(
        options={"qps_limit": 100000}, log_file="test-output/digest-sandbox.log"
    ) as url:
        yield url


@pytest.fixture(scope="session")
def digest_ehr() -> Iterator[str]:
    with running_demo_ehr(api_token="test-ehr-token") as url:
        yield url


@pytest.fixture
def sim(digest_sandbox: str) -> Sim:
    sim = Sim(digest_sandbox)
    sim.post("/_sim/reset")
    sim.post("/_sim/config", {"qps_limit": 100000})
    return sim


@pytest.fixture
def digest_runtime(
    runtime: Runtime, sim: Sim, digest_ehr: str, database_url: str, redis_url: str
) -> Runtime:
    settings = notify_settings(
        database_url,
        redis_url,
        sim.base,
        EHR_BASE_URL=digest_ehr,
        EHR_API_TOKEN="test-ehr-token",
        **DIGEST,
    )
    rt = Runtime(
        settings=settings,
        engine=runtime.engine,
        session_factory=make_session_factory(runtime.engine),
        redis=runtime.redis,
    )
    install_worker_context(rt)
    return rt


@pytest.fixture
def digest_app(digest_runtime: Runtime) -> Flask:
    return create_app(runtime=digest_runtime, test_config={"TESTING": True})


@pytest.fixture
def push(digest_app: Flask, digest_runtime: Runtime) -> Push:
    return make_push(
        digest_app.test_client(), digest_runtime.settings.require("EHR_WEBHOOK_SECRET")
    )


def drain(redis: Redis) -> None:
    """Run every queued job (notifications, write-backs, bulk decisions) in this process."""
    worker = SimpleWorker([queue(name, redis) for name in ALL_QUEUES], connection=redis)
    worker.work(burst=True, with_scheduler=False)


def cards_of(sim: Sim, userid: str, template: str) -> list[dict[str, Any]]:
    return [c for c in sim.cards(userid) if c["template_id"] == template]
