"""Benchmark: predictive validity and fairness for one position with 10,000 applications and
2,000 reviewed hires, in PostgreSQL, against one plain aggregate query over the same rows.

    tests/support/with-services.sh .venv/bin/python bench/insight.py [--applications N]
    DATABASE_URL=postgresql+psycopg://... REDIS_URL=redis://... .venv/bin/python bench/insight.py

Without DATABASE_URL it re-runs itself under tests/support/with-services.sh. Seeds one position
with N applications (default 10,000), each with a candidate (education spread over six groups),
an attended AI interview and a published score with three dimensions; the first N/5 are hired,
each with two performance reviews and two courses. Then, repeated (default 30 times):

* GET /api/v1/hr/positions/{id}/validity and .../fairness as a recruiting manager, through the
  Flask app in process (token check, scope, queries, statistics, JSON): median and p95; the goal
  is < 300 ms each;
* the services alone (get_validity_for_viewer, get_fairness_for_viewer);
* one plain aggregate query over the same rows (count and mean of the latest scores of the
  position's reviewed hires joined to their mean review), median and p95, as the yardstick.

The database's tables are emptied first.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.sweeps import rerun_with_services  # noqa: E402

GOAL_MS = 300.0
POSITION = "p-bench"

SEED_SQL = [
    """INSERT INTO department (id, version, deleted, extra, updated_at, name)
       VALUES ('d-bench', 1, false, '{}', now(), 'bench')""",
    """INSERT INTO staff (id, version, deleted, extra, updated_at, name, role)
       VALUES ('st-mgr', 1, false, '{}', now(), 'manager', 'recruiting_manager')""",
    "INSERT INTO staff_department (staff_id, department_id) VALUES ('st-mgr', 'd-bench')",
    """INSERT INTO position (id, version, deleted, extra, updated_at, title, department_id)
       VALUES ('p-bench', 1, false, '{}', now(), 'bench', 'd-bench')""",
    """INSERT INTO candidate (id, version, deleted, extra, updated_at, name, education)
       SELECT 'c-' || g, 1, false, '{}', now(), 'c' || g,
              (ARRAY['high_school','associate','bachelor','master','doctorate','other'])[
                  1 + (g % 6)]
       FROM generate_series(1, :n) AS g""",
    """INSERT INTO application (id, version, deleted, extra, updated_at, candidate_id,
                                position_id, batch, stage)
       SELECT 'a-' || g, 1, false, '{}', now(), 'c-' || g, 'p-bench', 'b',
              CASE WHEN g <= :n / 5 THEN 'hired' WHEN g % 3 = 0 THEN 'interview'
                   ELSE 'rejected' END
       FROM generate_series(1, :n) AS g""",
    """INSERT INTO interview (id, version, deleted, extra, updated_at, application_id, round,
                              kind, interviewer_names, status)
       SELECT 'i-' || g, 1, false, '{}', now(), 'a-' || g, 1, 'ai', '[]', 'attended'
       FROM generate_series(1, :n) AS g""",
    """INSERT INTO score (id, version, deleted, extra, updated_at, interview_id, status, overall,
                          published_at)
       SELECT 's-' || g, 1, false, '{}', now(), 'i-' || g, 'published',
              round((50 + random() * 50)::numeric, 1), :now
       FROM generate_series(1, :n) AS g""",
    """INSERT INTO score_dimension (score_id, key, label, score, max_score, ordinal)
       SELECT 's-' || g, d.key, d.key, round((40 + random() * 60)::numeric, 1), 100, d.o
       FROM generate_series(1, :n) AS g,
            (VALUES ('communication', 0), ('logic', 1), ('night_shift', 2)) AS d(key, o)""",
    """INSERT INTO performance_review (id, version, deleted, extra, updated_at, application_id,
                                       period, score, reviewed_at)
       SELECT 'pr-' || g || '-' || p, 1, false, '{}', now(), 'a-' || g, p,
              round((s.overall * 0.5 + random() * 45)::numeric, 1), :now
       FROM generate_series(1, :n / 5) AS g
       JOIN score s ON s.id = 's-' || g,
       (VALUES ('2027-Q1'), ('probation')) AS periods(p)""",
    """INSERT INTO training_progress (id, version, deleted, extra, updated_at, application_id,
                                      course_key, course_title, completion, exam_score,
                                      reported_at)
       SELECT 'tp-' || g || '-' || c, 1, false, '{}', now(), 'a-' || g, c, c,
              round((40 + random() * 60)::numeric, 0), round((50 + random() * 50)::numeric, 0),
              :now
       FROM generate_series(1, :n / 5) AS g, (VALUES ('safety'), ('service')) AS courses(c)""",
    "ANALYZE",
]

PLAIN = """
SELECT count(*), avg(s.overall), avg(r.performance)
FROM application a
JOIN interview i ON i.application_id = a.id AND NOT i.deleted
JOIN score s ON s.interview_id = i.id AND NOT s.deleted AND s.status IN ('published', 'revised')
JOIN (SELECT application_id, avg(score) AS performance FROM performance_review
      WHERE NOT deleted GROUP BY application_id) r ON r.application_id = a.id
WHERE a.position_id = 'p-bench' AND NOT a.deleted
"""


def _times(run: Callable[[], object], repeat: int) -> dict[str, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, max(0, round(0.95 * len(times)) - 1))]
    return {"median": statistics.median(times), "p95": p95}


def _seed(engine: Any, n: int) -> float:
    from datetime import UTC, datetime

    from sqlalchemy import text

    from storage.base import Base

    tables = ", ".join(t.name for t in reversed(Base.metadata.sorted_tables))
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        for sql in SEED_SQL:
            conn.execute(text(sql), {"n": n, "now": datetime(2027, 3, 1, tzinfo=UTC)})
    return time.perf_counter() - started


VIEWER_ID = "st-mgr"


def _viewer() -> Any:
    from services.access.visibility import Viewer

    return Viewer(dingtalk_user_id="u-mgr", staff_id=VIEWER_ID, staff_role="recruiting_manager",
                  roles=("staff",))  # fmt: skip


def _time_http(engine: Any, url: str, redis_url: str, repeat: int) -> tuple[dict[str, Any], ...]:
    """The two endpoints through the Flask app in process: (timings, validity, fairness)."""
    from datetime import UTC, datetime

    from config import Settings
    from services.access.sessions import issue_session_token
    from storage.db import make_session_factory
    from storage.runtime import Runtime, make_redis
    from web import create_app

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, APP_ENV="test", DATABASE_URL=url, REDIS_URL=redis_url,
        SECRET_KEY="bench-secret-key-that-is-long-enough-0123456789",
    )  # fmt: skip
    runtime = Runtime(settings, engine, make_session_factory(engine), make_redis(redis_url))
    client = create_app(runtime=runtime, test_config={"TESTING": True}).test_client()
    token = issue_session_token(settings.SECRET_KEY, _viewer(), now=datetime.now(UTC),
                                ttl_seconds=3600)  # fmt: skip
    headers = {"Authorization": f"Bearer {token.token}"}
    base = f"/api/v1/hr/positions/{POSITION}"
    validity = client.get(f"{base}/validity", headers=headers).get_json()
    fairness = client.get(f"{base}/fairness", headers=headers).get_json()
    timings = {
        name: _times(lambda n=name: client.get(f"{base}/{n}", headers=headers), repeat)
        for name in ("validity", "fairness")
    }
    runtime.run_closers()
    runtime.redis.close()
    return {f"GET .../{k}": v for k, v in timings.items()}, validity, fairness


def _time_services(engine: Any, repeat: int) -> dict[str, dict[str, float]]:
    """The services alone, and the plain aggregate query, in the same run."""
    from sqlalchemy import text

    from services.decisions.policy import PolicyConfig
    from services.insight.fairness import get_fairness_for_viewer
    from services.insight.validity import get_validity_for_viewer
    from storage.db import make_session_factory

    factory, viewer, defaults = make_session_factory(engine), _viewer(), PolicyConfig()

    def validity() -> object:
        with factory() as s:
            return get_validity_for_viewer(
                s, viewer, POSITION, min_sample=30, defaults=defaults, lang="zh"
            )

    def fair() -> object:
        with factory() as s:
            return get_fairness_for_viewer(s, viewer, POSITION, lang="zh")

    results = {
        "validity service": _times(validity, repeat),
        "fairness service": _times(fair, repeat),
    }
    with engine.connect() as conn:
        results["plain aggregate query"] = _times(lambda: conn.execute(text(PLAIN)).all(), repeat)
    return results


def _report(results: dict[str, dict[str, float]]) -> None:
    plain = results["plain aggregate query"]["median"]
    for name, t in results.items():
        goal = ""
        if name.startswith("GET"):
            goal = f"  ({'within' if t['p95'] < GOAL_MS else 'OVER'} the {GOAL_MS:.0f} ms goal)"
        print(
            f"{name:24s}: median {t['median']:8.2f} ms  p95 {t['p95']:8.2f} ms"
            f"  = {t['median'] / plain:6.1f} x the plain query{goal}"
        )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--timeout", type=int, default=900)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        return rerun_with_services()
    signal.alarm(args.timeout)

    from storage.db import make_engine, upgrade_database

    url, redis_url = os.environ["DATABASE_URL"], os.environ["REDIS_URL"]
    upgrade_database(url)
    engine = make_engine(url)
    seeded = _seed(engine, args.applications)
    results, validity, fairness = _time_http(engine, url, redis_url, args.repeat)
    assert validity["n"] == args.applications // 5, validity.get("error")
    results.update(_time_services(engine, args.repeat))
    print(
        f"python {platform.python_version()} on {platform.machine()}, PostgreSQL at "
        f"{url.split('@')[-1]}"
    )
    print(
        f"applications: {args.applications:,}; reviewed hires: {validity['n']:,} "
        f"(seeded in {seeded:.1f} s); fairness groups: {len(fairness['groups'])}; "
        f"{args.repeat} runs each"
    )
    _report(results)
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
