"""What the sweep benchmarks share (bench/reminders.py, bench/rounds.py): seeding with SQL, timing
a sweep's due-item query through its index and again with index scans switched off."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
NO_INDEX = ("enable_indexscan", "enable_bitmapscan", "enable_indexonlyscan")


def rerun_with_services() -> int:
    script = REPO / "tests" / "support" / "with-services.sh"
    return subprocess.call([str(script), sys.executable, *sys.argv], cwd=REPO)


def median_ms(run: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def analyze(conn: object, compiled: str) -> str:
    from sqlalchemy import text

    lines = [r[0] for r in conn.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}"))]  # type: ignore[attr-defined]
    return next((x.strip() for x in lines if "Execution Time" in x), "?")


def seed(engine: Any, seed_sql: list[str], interviews: int, now: datetime) -> float:
    """Empty the tables and load the interviews; the seconds it took."""
    from sqlalchemy import text

    from storage.base import Base

    tables = ", ".join(t.name for t in reversed(Base.metadata.sorted_tables))
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        for sql in seed_sql:
            conn.execute(text(sql), {"n": interviews, "now": now})
    return time.perf_counter() - started


def time_query(engine: Any, query: Any, repeat: int) -> dict[str, Any]:
    """The sweep's candidate query through its index, then with index scans switched off."""
    from sqlalchemy import text

    with engine.connect() as conn:
        compiled = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
        plan = [r[0] for r in conn.execute(text(f"EXPLAIN {compiled}"))]
        found = len(conn.execute(query).all())
        index_ms = median_ms(lambda: conn.execute(query).all(), repeat)
        index_analyze = analyze(conn, compiled)
    # A new connection: psycopg prepares repeated statements, and a prepared plan made while
    # indexes were allowed would survive the SETs below.
    with engine.connect() as conn:
        for name in NO_INDEX:
            conn.execute(text(f"SET {name} = off"))
        scan_plan = [r[0] for r in conn.execute(text(f"EXPLAIN {compiled}"))]
        scan_ms = median_ms(lambda: conn.execute(query).all(), max(3, repeat // 3))
        assert len(conn.execute(query).all()) == found
        scan_analyze = analyze(conn, compiled)
    return {
        "plan": plan,
        "found": found,
        "index_ms": index_ms,
        "index_analyze": index_analyze,
        "scan_plan": scan_plan,
        "scan_ms": scan_ms,
        "scan_analyze": scan_analyze,
    }
