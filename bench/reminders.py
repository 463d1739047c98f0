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
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

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
NO_INDEX = ("enable_indexscan", "enable_bitmapscan", "enable_indexonlyscan")


def _rerun_with_services() -> int:
    script = REPO / "tests" / "support" / "with-services.sh"
    return subprocess.call([str(script), sys.executable, *sys.argv], cwd=REPO)


def _median_ms(run: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _analyze(conn: object, compiled: str) -> str:
    from sqlalchemy import text

    lines = [r[0] for r in conn.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}"))]  # type: ignore[attr-defined]
    return next((x.strip() for x in lines if "Execution Time" in x), "?")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--interviews", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--timeout", type=int, default=900)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        return _rerun_with_services()
    signal.alarm(args.timeout)

    from sqlalchemy import text

    from config import Settings
    from services.clock.reminders import candidates_query, rules_from_settings, sweep_reminders
    from storage.base import Base
    from storage.db import make_engine, make_session_factory, upgrade_database

    url = os.environ["DATABASE_URL"]
    upgrade_database(url)
    engine = make_engine(url)
    settings = Settings(_env_file=None, APP_ENV="test", DATABASE_URL=url)  # type: ignore[call-arg]
    rules = rules_from_settings(settings)
    tables = ", ".join(t.name for t in reversed(Base.metadata.sorted_tables))

    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        for sql in SEED_SQL:
            conn.execute(text(sql), {"n": args.interviews, "now": NOW})
    seeded = time.perf_counter() - started

    query = candidates_query(NOW, rules)
    with engine.connect() as conn:
        compiled = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
        plan = [r[0] for r in conn.execute(text(f"EXPLAIN {compiled}"))]
        found = len(conn.execute(query).all())
        index_ms = _median_ms(lambda: conn.execute(query).all(), args.repeat)
        index_analyze = _analyze(conn, compiled)
    # A new connection: psycopg prepares repeated statements, and a prepared plan made while
    # indexes were allowed would survive the SETs below.
    with engine.connect() as conn:
        for name in NO_INDEX:
            conn.execute(text(f"SET {name} = off"))
        scan_plan = [r[0] for r in conn.execute(text(f"EXPLAIN {compiled}"))]
        scan_ms = _median_ms(lambda: conn.execute(query).all(), max(3, args.repeat // 3))
        assert len(conn.execute(query).all()) == found
        scan_analyze = _analyze(conn, compiled)

    factory = make_session_factory(engine)
    with factory() as session:
        start = time.perf_counter()
        first = sweep_reminders(session, now=NOW, rules=rules)
        first_ms = (time.perf_counter() - start) * 1000
    with factory() as session:
        steady_ms = _median_ms(
            lambda: sweep_reminders(session, now=NOW, rules=rules), max(3, args.repeat // 3)
        )

    uses_index = any("ix_interview_status" in line for line in plan)
    where = url.split("@")[-1]
    print(f"python {platform.python_version()} on {platform.machine()}, PostgreSQL at {where}")
    print(f"interviews: {args.interviews:,} (seeded in {seeded:.1f} s), now = {NOW.isoformat()}")
    print(f"candidates in the look-back window: {found:,}")
    print(f"candidate query via index : {index_ms:8.2f} ms (median of {args.repeat})")
    print(f"index used                : {uses_index}")
    print(f"candidate query full scan : {scan_ms:8.2f} ms")
    print(f"ratio full scan / index   : {scan_ms / index_ms:8.1f} x")
    print(f"sweep, first run          : {first_ms:8.1f} ms ({len(first):,} actions)")
    print(f"sweep, steady state       : {steady_ms:8.1f} ms (median)")
    print(f"server side (EXPLAIN ANALYZE): index {index_analyze}; full scan {scan_analyze}")
    print("plan (index):")
    for line in plan:
        print("   ", line)
    print("plan (full scan):")
    for line in scan_plan[:6]:
        print("   ", line)
    engine.dispose()
    return 0 if uses_index else 1


if __name__ == "__main__":
    raise SystemExit(main())
