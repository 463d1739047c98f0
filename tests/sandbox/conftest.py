"""Fixtures for the sandbox conformance suite: one sandbox and one real Stream app per session."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests

from sandbox.dingtalk.testing import loopback_env, running_sandbox
from tests.support.servers import LocalHttp, wait_for

T = TypeVar("T")
HERE = Path(__file__).resolve().parent
# Fast cadences so pings, redeliveries and disconnects happen within a test's time budget.
SUITE_OPTIONS = {"ping_interval": 0.5, "event_redeliver_seconds": 0.4, "disconnect_grace": 2}

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")


class SimClient(LocalHttp):
    """The sandbox's API, with a bounded timeout on every call."""

    def raw(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.http.request(method, self.base_url + path, timeout=10, **kwargs)

    def connections(self) -> list[dict[str, Any]]:
        return list(self.get("/_sim/connections")["connections"])


@pytest.fixture(scope="session")
def sandbox_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("sandbox") / "sandbox.log"
    with running_sandbox(options=SUITE_OPTIONS, log_file=log) as url:
        yield url


@pytest.fixture(scope="session")
def org(sandbox_url: str) -> dict[str, Any]:
    return dict(SimClient(sandbox_url).get("/_sim/org"))


@pytest.fixture(scope="session")
def stream_app(
    sandbox_url: str, org: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """The real DingTalkStreamClient in its own process (the SDK reads its endpoint at import)."""
    log = tmp_path_factory.mktemp("stream") / "stream_app.log"
    with open(log, "w", encoding="utf-8") as sink:
        proc = subprocess.Popen(
            [
                sys.executable,
                str(HERE / "stream_app.py"),
                "--client-id",
                org["app_key"],
                "--client-secret",
                org["app_secret"],
            ],
            env=loopback_env(sandbox_url),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        try:
            yield log
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@pytest.fixture
def sim(sandbox_url: str) -> SimClient:
    client = SimClient(sandbox_url)
    client.post("/_sim/reset")
    return client


@pytest.fixture
def connected(sim: SimClient, stream_app: Path) -> SimClient:
    """A reset sandbox with the Stream app connected (it reconnects itself after disconnects)."""
    wait_for(sim.connections, timeout=20, what=f"stream app connection (log: {stream_app})")
    return sim
