"""Benchmark: the interviewers' sweep (briefings, feedback requests, reminders) over 1M interviews
in PostgreSQL, through ix_interview_status_scheduled_at vs. a full scan.

    tests/support/with-services.sh .venv/bin/python bench/rounds.py [--interviews N]
    DATABASE_URL=postgresql+psycopg://... REDIS_URL=redis://... .venv/bin/python bench/rounds.py

Without DATABASE_URL it re-runs itself under tests/support/with-services.sh. Seeds N interviews
(default 1M): 80 % AI interviews without a time, 20 % rounds (video or onsite) spread over the
last and the next 365 days with realistic statuses. Then, as of a fixed `now` in working hours:

* the sweep's due-round query (`services.interviewers.clock.due_rounds_query`: three range scans
  on (status, scheduled_at)), median of repeated runs, with its plan; the goal is < 100 ms;
* the same query with index scans disabled (a full scan), in the same run, and the ratio;
* the whole `sweep_interviewer_clock`: its first run (fires what is due) and its steady state.

The database's tables are emptied first. Scheduling a round end to end (API call to calendar
event and candidate card, p50/p99 against the sandbox) is bench/rounds_scheduling.py.
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
GOAL_MS = 100.0

SEED_SQL = [
    """INSERT INTO position (id, version, deleted, extra, updated_at, title, department_id)
       VALUES ('p-bench', 1, false, '{}', now(), 'bench', 'd-bench')""",
    """INSERT INTO application (id, version, deleted, extra, updated_at, candidate_id,
                                position_id, batch, stage)
       SELECT 'a-' || g, 1, false, '{}', now(), 'c-' || g, 'p-bench',
              'b-' || (g % 50), 'interviewing'
       FROM generate_series(1, :n) AS g""",
    # One in five is a round: a time within a year either side of now, 45 or 60 minutes, mostly
    # scheduled (future) or attended/completed (past), some cancelled.
    """INSERT INTO interview (id, version, deleted, extra, updated_at, application_id, round,
                              kind, scheduled_at, deadline_at, interviewer_names, status,
                              invited_at, duration_minutes)
       SELECT 'i-' || g, 1, false, '{}', now(), 'a-' || g,
              CASE WHEN g % 5 = 0 THEN 2 ELSE 1 END,
              CASE WHEN g % 5 <> 0 THEN 'ai' WHEN g % 2 = 0 THEN 'video' ELSE 'onsite' END,
              CASE WHEN g % 5 = 0 THEN t END, NULL, '[]',
              CASE WHEN g % 5 <> 0 THEN (CASE WHEN g % 3 = 0 THEN 'completed' ELSE 'attended' END)
                   WHEN g % 35 = 0 THEN 'cancelled'
                   WHEN t > :now THEN 'scheduled'
                   WHEN g % 3 = 0 THEN 'completed' ELSE 'scheduled' END,
              CASE WHEN g % 5 <> 0 THEN t END,
              CASE WHEN g % 5 = 0 THEN 45 + 15 * (g % 2) END
       FROM (SELECT g, :now + ((random() * 2 - 1) * interval '365 days') AS t
             FROM generate_series(1, :n) AS g) AS s""",
    # Two interviewers per round, so the due rounds have someone to brief.
    """INSERT INTO interview_interviewer (interview_id, staff_id)
       SELECT 'i-' || g, 'st-' || (g % 97) FROM generate_series(5, :n, 5) AS g
       UNION ALL SELECT 'i-' || g, 'st-' || (g % 89 + 100) FROM generate_series(5, :n, 5) AS g""",
    "ANALYZE position",
    "ANALYZE application",
    "ANALYZE interview",
    "ANALYZE interview_interviewer",
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
    from services.interviewers.clock import due_rounds_query, interviewer_rules_from_settings
    from storage.db import make_engine, upgrade_database

    url = os.environ["DATABASE_URL"]
    upgrade_database(url)
    engine = make_engine(url)
    settings = Settings(_env_file=None, APP_ENV="test", DATABASE_URL=url)  # type: ignore[call-arg]
    rules = interviewer_rules_from_settings(settings)
    seeded = seed(engine, SEED_SQL, args.interviews, NOW)
    query = time_query(engine, due_rounds_query(NOW, rules), args.repeat)
    sweep = _time_sweep(engine, rules, args.repeat)
    uses_index = any("ix_interview_status_scheduled_at" in line for line in query["plan"])
    print(
        f"python {platform.python_version()} on {platform.machine()}, PostgreSQL at "
        f"{url.split('@')[-1]}"
    )
    print(f"interviews: {args.interviews:,} (seeded in {seeded:.1f} s), now = {NOW.isoformat()}")
    _report(query, sweep, uses_index, args.repeat)
    engine.dispose()
    return 0 if uses_index else 1


def _time_sweep(engine: Any, rules: Any, repeat: int) -> dict[str, Any]:
    from services.interviewers.clock import sweep_interviewer_clock
    from storage.db import make_session_factory

    factory = make_session_factory(engine)
    with factory() as session:
        start = time.perf_counter()
        first = sweep_interviewer_clock(session, now=NOW, rules=rules)
        first_ms = (time.perf_counter() - start) * 1000
    with factory() as session:
        steady_ms = median_ms(
            lambda: sweep_interviewer_clock(session, now=NOW, rules=rules), max(3, repeat // 3)
        )
    return {"actions": len(first), "first_ms": first_ms, "steady_ms": steady_ms}


def _report(query: dict[str, Any], sweep: dict[str, Any], uses_index: bool, repeat: int) -> None:
    index_ms, scan_ms = query["index_ms"], query["scan_ms"]
    verdict = "within" if index_ms < GOAL_MS else "OVER"
    print(f"rounds in the sweep's windows : {query['found']:,}")
    print(
        f"due-round query via index     : {index_ms:8.2f} ms (median of {repeat}; "
        f"{verdict} the {GOAL_MS:.0f} ms goal)"
    )
    print(f"index used                    : {uses_index}")
    print(f"due-round query full scan     : {scan_ms:8.2f} ms")
    print(f"ratio full scan / index       : {scan_ms / index_ms:8.1f} x")
    print(
        f"sweep, first run              : {sweep['first_ms']:8.1f} ms"
        f" ({sweep['actions']:,} actions)"
    )
    print(f"sweep, steady state           : {sweep['steady_ms']:8.1f} ms (median)")
    print(
        f"server side (EXPLAIN ANALYZE) : index {query['index_analyze']}; "
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
