"""Benchmark: the due-reminder sweep over 1M interviews in PostgreSQL, index vs. full scan.

    tests/support/with-services.sh .venv/bin/python bench/reminders.py [--interviews N]
    DATABASE_URL=postgresql+psycopg://... REDIS_URL=redis://... .venv/bin/python bench/reminders.py

Without DATABASE_URL it re-runs itself under tests/support/with-services.sh (throwaway PostgreSQL
and Redis). Seeds N interviews (default 1M, one application each) with invitations spread over the
last year and realistic statuses, server-side with generate_series. Then, as of a fixed `now`:

* the sweep's candidate query (`services.clock.reminders.candidates_query`: three range scans on the
  (status, invited_at) and (status, deadline_at) indexes), median of repeated runs, with its plan;
* the same query with index scans disabled (a full scan), in the same run, and the ratio;
* the whole `sweep_reminders` call: the first run (fires everything due in the look-back window)
  and a steady-state run (nothing new: what the scheduler pays every minute).

The database's tables are emptied first. Bounded by --timeout (an alarm).
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.sweeps import median_ms, rerun_with_services, seed, time_query  # noqa: E402

NOW = datetime(2026, 11, 18, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai, a Wednesday

SEED_SQL = [
    """INSERT INTO position (id, version, deleted, extra, updated_at, title, department_id)
       VALUES ('p-bench', 1, false, '{}', now(), 'bench', 'd-bench')""",
    """INSERT INTO application (id, version, deleted, extra, updated_at, candidate_id,
                                position_id, batch, stage)
       SELECT 'a-' || g, 1, false, '{}', now(), 'c-' || g, 'p-bench',
              'b-' || (g % 50), 'ai_interview'
       FROM generate_series(1, :n) AS g""",
    # Invitations spread over the last 365 days; 10 % invited, 10 % opened, 5 % no-show,
    # 5 % cancelled, the rest attended or completed. Deadline 72 h after the invitation.
    """INSERT INTO interview (id, version, deleted, extra, updated_at, application_id, round,
                              kind, scheduled_at, deadline_at, interviewer_names, status,
                              invited_at, opened_at, attended_at)
       SELECT 'i-' || g, 1, false, '{}', now(), 'a-' || g, 1, 'ai', NULL,
              t + interval '72 hours', '[]',
              CASE WHEN g % 20 < 2 THEN 'invited' WHEN g % 20 < 4 THEN 'opened'
                   WHEN g % 20 = 4 THEN 'no_show' WHEN g % 20 = 5 THEN 'cancelled'
                   WHEN g % 20 < 13 THEN 'attended' ELSE 'completed' END,
              t, NULL, NULL
       FROM (SELECT g, :now - (random() * interval '365 days') AS t
             FROM generate_series(1, :n) AS g) AS s""",
    "ANALYZE position",
    "ANALYZE application",
    "ANALYZE interview",
]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--interviews", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--timeout", type=int, default=900)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        return rerun_with_services()
    signal.alarm(args.timeout)

    from config import Settings
    from services.clock.reminders import candidates_query, rules_from_settings
    from storage.db import make_engine, upgrade_database

    url = os.environ["DATABASE_URL"]
    upgrade_database(url)
    engine = make_engine(url)
    settings = Settings(_env_file=None, APP_ENV="test", DATABASE_URL=url)  # type: ignore[call-arg]
    rules = rules_from_settings(settings)
    seeded = seed(engine, SEED_SQL, args.interviews, NOW)
    query = time_query(engine, candidates_query(NOW, rules), args.repeat)
    sweep = _time_sweep(engine, rules, args.repeat)
    uses_index = any("ix_interview_status" in line for line in query["plan"])
    where = url.split("@")[-1]
    print(f"python {platform.python_version()} on {platform.machine()}, PostgreSQL at {where}")
    print(f"interviews: {args.interviews:,} (seeded in {seeded:.1f} s), now = {NOW.isoformat()}")
    _report(query, sweep, uses_index, args.repeat)
    engine.dispose()
    return 0 if uses_index else 1


def _time_sweep(engine: Any, rules: Any, repeat: int) -> dict[str, Any]:
    """The whole sweep: its first run (which acts) and its steady state (nothing new due)."""
    from services.clock.reminders import sweep_reminders
    from storage.db import make_session_factory

    factory = make_session_factory(engine)
    with factory() as session:
        start = time.perf_counter()
        first = sweep_reminders(session, now=NOW, rules=rules)
        first_ms = (time.perf_counter() - start) * 1000
    with factory() as session:
        steady_ms = median_ms(
            lambda: sweep_reminders(session, now=NOW, rules=rules), max(3, repeat // 3)
        )
    return {"actions": len(first), "first_ms": first_ms, "steady_ms": steady_ms}


def _report(query: dict[str, Any], sweep: dict[str, Any], uses_index: bool, repeat: int) -> None:
    index_ms, scan_ms = query["index_ms"], query["scan_ms"]
    print(f"candidates in the look-back window: {query['found']:,}")
    print(f"candidate query via index : {index_ms:8.2f} ms (median of {repeat})")
    print(f"index used                : {uses_index}")
    print(f"candidate query full scan : {scan_ms:8.2f} ms")
    print(f"ratio full scan / index   : {scan_ms / index_ms:8.1f} x")
    print(f"sweep, first run          : {sweep['first_ms']:8.1f} ms ({sweep['actions']:,} actions)")
    print(f"sweep, steady state       : {sweep['steady_ms']:8.1f} ms (median)")
    print(
        f"server side (EXPLAIN ANALYZE): index {query['index_analyze']}; "
        f"full scan {query['scan_analyze']}"
    )
    print("plan (index):")
    for line in query["plan"]:
        print("   ", line)
    print("plan (full scan):")
    for line in query["scan_plan"][:6]:
        print("   ", line)


if __name__ == "__main__":
    raise SystemExit(main())
