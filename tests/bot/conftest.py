"""Fixtures of the bot suite: the DingTalk sandbox, the demo EHR, a real `python -m bot.listener`
subprocess, and an in-process RQ worker context for running the jobs the listener enqueues."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rq import SimpleWorker
from sqlalchemy import Engine

from clients.dingtalk import make_dingtalk_client
from config import Settings
from jobs import context
from jobs.queues import ALL_QUEUES, queue
from sandbox.dingtalk.testing import loopback_env, running_sandbox
from sandbox.ehr.testing import running_demo_ehr
from services.notify.policy import policy_from_settings
from storage.db import make_session_factory
from storage.runtime import Runtime, make_redis
from tests.conftest import _empty_tables, make_test_settings
from tests.support.process_env import settings_env
from tests.support.servers import LocalHttp, wait_for

REPO = Path(__file__).resolve().parents[2]
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture(scope="session")
def sandbox_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("sandbox") / "sandbox.log"
    options = {"event_redeliver_seconds": 0.5, "disconnect_grace": 1}
    with running_sandbox(options=options, log_file=log) as url:
        yield url


@pytest.fixture(scope="session")
def ehr_url() -> Iterator[str]:
    with running_demo_ehr(api_token="test-ehr-token") as url:
        yield url


@pytest.fixture(scope="session")
def bot_settings(database_url: str, redis_url: str, sandbox_url: str, ehr_url: str) -> Settings:
    return make_test_settings(
        database_url,
        redis_url,
        DINGTALK_API_BASE=sandbox_url,
        DINGTALK_OAPI_BASE=sandbox_url,
        EHR_BASE_URL=ehr_url,
        DINGTALK_CARD_CALLBACK_ROUTE_KEY="mi-cards",
        DINGTALK_CARD_CALLBACK_SECRET="card-callback-secret",
    )


def listener_env(settings: Settings) -> dict[str, str]:
    return {**settings_env(settings), **loopback_env(settings.DINGTALK_API_BASE)}


class Listener:
    """`python -m bot.listener` as a real subprocess."""

    def __init__(self, settings: Settings, log: Path, *args: str) -> None:
        self.log = log
        self.sink = open(log, "a", encoding="utf-8")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.listener", *args],
            cwd=REPO,
            env=listener_env(settings),
            stdout=self.sink,
            stderr=subprocess.STDOUT,
        )

    def stop(self) -> None:
        if self.sink.closed:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.sink.close()


@pytest.fixture(scope="session")
def start_listener(
    bot_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., Listener]]:
    started: list[Listener] = []
    logs = tmp_path_factory.mktemp("listener")

    def start(*args: str) -> Listener:
        listener = Listener(bot_settings, logs / f"listener-{len(started)}.log", *args)
        started.append(listener)
        return listener

    yield start
    for listener in started:
        listener.stop()


@pytest.fixture(scope="module")
def listener(start_listener: Callable[..., Listener]) -> Iterator[Listener]:
    """One listener per test module (the redelivery test needs the only connection)."""
    running = start_listener()
    yield running
    running.stop()


@pytest.fixture
def web_url(bot_runtime: Runtime) -> Iterator[str]:
    """The real web app on a loopback port, for the sandbox's HTTP callbacks."""
    from werkzeug.serving import make_server

    from web import create_app

    app = create_app(runtime=bot_runtime, test_config={"TESTING": True})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def sim(sandbox_url: str) -> LocalHttp:
    client = LocalHttp(sandbox_url)
    client.post("/_sim/reset")
    return client


@pytest.fixture
def ehr(ehr_url: str) -> LocalHttp:
    return LocalHttp(ehr_url)


@pytest.fixture
def bot_runtime(bot_settings: Settings, engine: Engine) -> Iterator[Runtime]:
    """Empty tables, an empty Redis db and a worker context aimed at the sandbox and demo EHR."""
    _empty_tables(engine)
    redis = make_redis(bot_settings.require("REDIS_URL"))
    redis.flushdb()
    runtime = Runtime(
        settings=bot_settings,
        engine=engine,
        session_factory=make_session_factory(engine),
        redis=redis,
    )
    context.install(
        context.WorkerContext(
            runtime=runtime,
            dingtalk=make_dingtalk_client(bot_settings, redis),
            notify_policy=policy_from_settings(bot_settings),
        )
    )
    yield runtime
    redis.close()


@pytest.fixture
def connected(sim: LocalHttp, listener: Listener) -> LocalHttp:
    """A reset sandbox with the listener connected (it reconnects itself after disconnects)."""
    wait_for(
        lambda: sim.get("/_sim/connections")["connections"],
        timeout=30,
        what=f"listener connection (log: {listener.log})",
    )
    return sim


def run_jobs(runtime: Runtime) -> None:
    """Run every queued job in this process (the listener and the app enqueue them)."""
    worker = SimpleWorker(
        [queue(name, runtime.redis) for name in ALL_QUEUES], connection=runtime.redis
    )
    worker.work(burst=True, logging_level="WARNING")
