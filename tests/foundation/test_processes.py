"""Each process starts, connects, and stops cleanly on SIGTERM; none starts un-migrated."""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rq import Queue, Worker

from jobs.schedule import PeriodicJob
from jobs.scheduler import run_due
from storage.runtime import Runtime
from tests.conftest import make_test_settings
from tests.support.process_env import settings_env
from tests.support.servers import wait_until

REPO = Path(__file__).resolve().parents[2]


def _env(database_url: str, redis_url: str) -> dict[str, str]:
    return settings_env(make_test_settings(database_url, redis_url))


@pytest.mark.parametrize("module", ["jobs.worker", "jobs.scheduler", "bot.listener"])
def test_process_refuses_an_unmigrated_database(
    module: str, tmp_path: Path, redis_url: str
) -> None:
    env = _env(f"sqlite:///{tmp_path / 'empty.db'}", redis_url)
    done = subprocess.run(
        [sys.executable, "-m", module],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "alembic upgrade head" in done.stderr


def test_scheduler_stops_cleanly_on_sigterm(
    runtime: Runtime, database_url: str, redis_url: str
) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "jobs.scheduler"],
        cwd=REPO,
        env=_env(database_url, redis_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    # Wait for the ready line rather than sleeping: signal handlers are installed by then.
    for line in proc.stdout:
        if "scheduler ready" in line:
            break
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    assert "stopped" in out


def test_two_schedulers_enqueue_each_period_once(runtime: Runtime) -> None:
    job = PeriodicJob(name="probe", func="builtins.print", every=timedelta(minutes=1))
    now = datetime(2026, 11, 23, 10, 0, 5, tzinfo=UTC)
    first = run_due(runtime.redis, [job], now)
    second = run_due(runtime.redis, [job], now + timedelta(seconds=30))
    third = run_due(runtime.redis, [job], now + timedelta(minutes=1))
    assert (first, second, third) == (["probe"], [], ["probe"])
    assert Queue("default", connection=runtime.redis).count == 2


def test_worker_stops_cleanly_on_sigterm(
    runtime: Runtime, database_url: str, redis_url: str
) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "jobs.worker"],
        cwd=REPO,
        env=_env(database_url, redis_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    # RQ installs its signal handlers just before it first waits for work, when it reports idle.
    wait_until(
        lambda: any(w.get_state() == "idle" for w in Worker.all(connection=runtime.redis)),
        timeout=30,
    )
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "worker stopped" in err


def test_worker_without_dingtalk_settings_says_which(
    runtime: Runtime, database_url: str, redis_url: str
) -> None:
    env = {**_env(database_url, redis_url), "DINGTALK_APP_KEY": ""}
    done = subprocess.run(
        [sys.executable, "-m", "jobs.worker"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "DINGTALK_APP_KEY" in done.stderr
