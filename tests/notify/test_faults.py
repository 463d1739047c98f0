"""Delivery survives throttling, a worker killed mid-call, and Redis down at commit time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jobs.dispatch import sweep_outbox
from sandbox.ehr import events as ev
from storage.db import make_session_factory
from storage.runtime import Runtime, make_redis
from tests.notify.conftest import (
    Push,
    Sim,
    application_events,
    deliveries,
    drain,
    install_worker_context,
    make_push,
    notify_settings,
    org_events,
)
from tests.support.process_env import settings_env
from tests.support.servers import own_redis_server, wait_until
from web import create_app

REPO = Path(__file__).resolve().parents[2]
CREATE = "/v1.0/card/instances/createAndDeliver"


def _faults_left(sim: Sim, path: str) -> int:
    return sum(int(f["remaining"]) for f in sim.get("/_sim/faults")["faults"].get(path, []))


def _scores(push: Push, count: int) -> None:
    push(org_events())
    for n in range(1, count + 1):
        cid = f"cand-{n:02d}"
        push(application_events(n, candidate_id=cid, dingtalk_user_id=f"cand_{n:02d}"))
        push([ev.event("score", ev.score(f"sc-{n}", interview_id=f"iv-{n}"))])


def test_everything_arrives_with_30_percent_of_calls_throttled(
    push: Push, sim: Sim, notify_runtime: Runtime
) -> None:
    sim.post("/_sim/faults", {"path": CREATE, "kind": "throttle", "count": 4})
    _scores(push, 4)  # 12 cards: 4 candidates, 2 HR owners each
    drain(notify_runtime.redis)
    sent = deliveries(notify_runtime.engine)
    assert len(sent) == 12
    assert all(d.state == "sent" for d in sent)
    assert sum(d.attempts for d in sent) == 12  # throttles were retried inside the call
    assert _faults_left(sim, CREATE) == 0  # all four throttles were served
    for n in range(1, 5):
        assert len(sim.cards(f"cand_{n:02d}")) == 1


def _worker_env(rt: Runtime) -> dict[str, str]:
    return settings_env(rt.settings)


def test_worker_killed_during_a_delivery_leaves_exactly_one_card(
    push: Push, sim: Sim, notify_runtime: Runtime
) -> None:
    # The sandbox holds the first createAndDeliver for 3 s (under the client's 5 s timeout),
    # so the worker is inside the DingTalk call when it is killed.
    sim.post("/_sim/faults", {"path": CREATE, "kind": "delay", "count": 1, "delay": 3})
    _scores(push, 1)
    worker = subprocess.Popen(
        [sys.executable, "-m", "jobs.worker", "notify"],
        cwd=REPO,
        env=_worker_env(notify_runtime),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: _faults_left(sim, CREATE) == 0, timeout=30)
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its work horse
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    wait_until(lambda: len(sim.cards("cand_01")) == 1, timeout=10)  # DingTalk finished it

    later = datetime.now(UTC) + timedelta(minutes=10)
    with notify_runtime.session_factory() as session:
        swept = sweep_outbox(session, notify_runtime.redis, now=later)
    jobs = {
        key.decode(): notify_runtime.redis.hget(key, "status")
        for key in notify_runtime.redis.scan_iter("rq:job:outbox-*")
    }
    assert swept, f"nothing re-dispatched; jobs: {jobs}"
    drain(notify_runtime.redis)

    assert len(sim.cards("cand_01")) == 1
    for userid in ("hr_lina", "hr_wangqiang"):
        assert len(sim.cards(userid)) == 1
    assert all(d.state == "sent" for d in deliveries(notify_runtime.engine))


def test_redis_down_while_the_ehr_pushes_then_cards_arrive(
    sim: Sim, notify_runtime: Runtime, database_url: str
) -> None:
    with own_redis_server() as server:
        settings = notify_settings(database_url, server.url, sim.base)
        rt = Runtime(
            settings=settings,
            engine=notify_runtime.engine,
            session_factory=make_session_factory(notify_runtime.engine),
            redis=make_redis(server.url, timeout=1.0),
        )
        install_worker_context(rt)
        push = make_push(
            create_app(runtime=rt).test_client(), settings.require("EHR_WEBHOOK_SECRET")
        )
        push(org_events())
        push(application_events(1, candidate_id="cand-01", dingtalk_user_id="cand_01"))
        server.stop()
        push([ev.event("score", ev.score("sc-1", interview_id="iv-1"))])  # answers 200
        server.start()
        drain(rt.redis)
        assert sim.cards("cand_01") == []  # the job was never enqueued
        later = datetime.now(UTC) + timedelta(minutes=2)
        with rt.session_factory() as session:
            assert sweep_outbox(session, rt.redis, now=later)
        drain(rt.redis)
        assert len(sim.cards("cand_01")) == 1
        rt.redis.close()
