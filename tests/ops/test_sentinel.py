"""Redis behind Sentinel (issue 24, item 3): every process finds the master through the
sentinels, and a failover while score cards go out loses no job and sends no card twice."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from rq.registry import FailedJobRegistry

from config import Settings
from jobs.queues import NOTIFY_QUEUE, queue
from sandbox.ehr import events as ev
from storage.db import make_session_factory
from storage.runtime import Runtime, redis_for
from tests.notify.conftest import (  # noqa: F401 (fixtures: notify_runtime, sandbox_url, sim)
    Push,
    Sim,
    application_events,
    deliveries,
    install_worker_context,
    make_push,
    notify_runtime,
    notify_settings,
    org_events,
    sandbox_url,
    sim,
)
from tests.support.process_env import settings_env
from tests.support.sentinel import MASTER_NAME, SentinelCluster, sentinel_cluster
from tests.support.servers import wait_for
from web import create_app

REPO = Path(__file__).resolve().parents[2]
CREATE = "/v1.0/card/instances/createAndDeliver"
CANDIDATES = 6  # 18 cards: each score goes to its candidate and the position's two HR owners
HR_OWNERS = ("hr_lina", "hr_wangqiang")


@pytest.fixture
def cluster() -> Iterator[SentinelCluster]:
    with sentinel_cluster() as started:
        yield started


def _settings(cluster: SentinelCluster, database_url: str, control: Sim) -> Settings:
    # REDIS_URL's host names no server: only the sentinels can lead a process to the master.
    return notify_settings(
        database_url,
        "redis://sentinel-managed.invalid/0",
        control.base,
        REDIS_SENTINELS=cluster.sentinels,
        REDIS_SENTINEL_MASTER=MASTER_NAME,
    )


def _push_scores(push: Push, numbers: range) -> None:
    for n in numbers:
        push([ev.event("score", ev.score(f"sc-{n}", interview_id=f"iv-{n}"))])


def _delivered(control: Sim) -> int:
    return sum(len(control.cards(f"cand_{n:02d}")) for n in range(1, CANDIDATES + 1))


def test_the_runtime_finds_the_master_through_the_sentinels(
    cluster: SentinelCluster,
    database_url: str,
    sim: Sim,  # noqa: F811
) -> None:
    client = redis_for(_settings(cluster, database_url, sim))
    client.set("probe", "1")
    with cluster.client(cluster.master_port) as master:
        assert master.get("probe") == b"1"
    client.close()


def _start_worker(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "jobs.worker", NOTIFY_QUEUE],
        cwd=REPO,
        env=settings_env(settings),
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )


def _stop(worker: subprocess.Popen[bytes]) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def _settled(cluster: SentinelCluster, rt: Runtime) -> bool:
    """Every delivery sent, and nothing queued or running on the new master.

    Replication is asynchronous: what the worker wrote to the old master after the replica's
    last sync (a job taken off the queue, its end) is lost with the old master, so such a job
    is queued again on the new one and runs a second time. It must find its cards sent. (One
    that was running at the last sync stays listed as started there; it had finished, on the
    old master: the deliveries, in the database, are what says so.)
    """
    sent = deliveries(rt.engine)
    if len(sent) != 3 * CANDIDATES or any(d.state != "sent" for d in sent):
        return False
    with cluster.client(cluster.replica_port) as new_master:
        notify = queue(NOTIFY_QUEUE, new_master)
        return notify.count == 0


def test_failover_while_cards_go_out_loses_no_job_and_sends_each_card_once(
    cluster: SentinelCluster,
    notify_runtime: Runtime,  # noqa: F811
    database_url: str,
    sim: Sim,  # noqa: F811
) -> None:
    settings = _settings(cluster, database_url, sim)
    rt = Runtime(
        settings=settings,
        engine=notify_runtime.engine,
        session_factory=make_session_factory(notify_runtime.engine),
        redis=redis_for(settings),
    )
    install_worker_context(rt)
    push = make_push(create_app(runtime=rt).test_client(), settings.require("EHR_WEBHOOK_SECRET"))
    push(org_events())
    for n in range(1, CANDIDATES + 1):
        push(application_events(n, candidate_id=f"cand-{n:02d}", dingtalk_user_id=f"cand_{n:02d}"))
    # Each card call takes 0.3 s, so the failover falls in the middle of the deliveries.
    delay = {"path": CREATE, "kind": "delay", "count": 3 * CANDIDATES, "delay": 0.3}
    sim.post("/_sim/faults", delay)
    _push_scores(push, range(1, CANDIDATES // 2 + 1))
    log = REPO / "test-output" / "sentinel-worker.log"  # kept for a failure's post-mortem
    log.parent.mkdir(exist_ok=True)
    worker = _start_worker(settings, log)
    try:
        wait_for(lambda: _delivered(sim) >= 1, timeout=30, what="the first card")
        assert cluster.master_port_by_sentinels() == cluster.master_port
        cluster.failover()
        # More scores arrive while the sentinels promote the replica.
        _push_scores(push, range(CANDIDATES // 2 + 1, CANDIDATES + 1))
        wait_for(
            lambda: cluster.master_port_by_sentinels() == cluster.replica_port,
            timeout=30,
            what="the replica promoted",
        )
        wait_for(lambda: _settled(cluster, rt), timeout=40, what="every job done on the new master")
        assert worker.poll() is None, log.read_text()[-2000:]  # it rode the failover out
    finally:
        _stop(worker)

    assert _delivered(sim) == CANDIDATES  # one card each: a job run twice sent nothing new
    for userid in HR_OWNERS:
        assert len(sim.cards(userid)) == CANDIDATES
    with cluster.client(cluster.replica_port) as new_master:
        assert new_master.info("replication")["role"] == "master"
        assert FailedJobRegistry(queue=queue(NOTIFY_QUEUE, new_master)).count == 0
    rt.redis.close()
