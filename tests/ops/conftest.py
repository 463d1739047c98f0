"""Operations tests: the DingTalk sandbox, shared by the tests of this folder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.dingtalk.testing import running_sandbox
from tests.notify.conftest import Sim


@pytest.fixture(scope="session")
def ops_sandbox_url() -> Iterator[str]:
    with running_sandbox(log_file="test-output/ops-sandbox.log") as base_url:
        yield base_url


@pytest.fixture
def ops_sim(ops_sandbox_url: str) -> Sim:
    sim = Sim(ops_sandbox_url)
    sim.post("/_sim/reset")
    return sim
