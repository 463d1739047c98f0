"""The mini-app benchmark's data: 100k candidates, applications and scores, 300k interviews.

Loaded with COPY into an emptied, migrated PostgreSQL database, then vacuumed (bench/miniapp.py).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

CANDIDATES = 100_000
INTERVIEWS_PER_APPLICATION = 3
BIG_POSITION_APPLICATIONS = 10_000
POSITIONS = 100


def seed(database_url: str) -> None:
    """Empty the database's tables and load the benchmark's rows."""
    from sqlalchemy import text

    from storage.base import Base
    from storage.db import make_engine, upgrade_database

    upgrade_database(database_url)
    engine = make_engine(database_url)
    tables = ", ".join(t.name for t in reversed(Base.metadata.sorted_tables))
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    now = datetime.now(UTC)
    rng = random.Random(7)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for target, rows in (
            *_org_tables(now),
            *_candidate_tables(now),
            *_interview_tables(now),
            *_score_tables(rng, now),
        ):
            _copy(cur, target, rows)
        raw.commit()
    finally:
        raw.close()
    # VACUUM as autovacuum would: index-only scans need the visibility map of the loaded tables.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


Tables = list[tuple[str, Iterable[tuple[Any, ...]]]]


def _org_tables(now: datetime) -> Tables:
    """One department and admin, and the positions (p-0 is the big one)."""
    return [
        (
            "department (id, version, deleted, extra, updated_at, name, parent_id)",
            [("d-root", 1, False, "{}", now, "root", None)],
        ),
        (
            "staff (id, version, deleted, extra, updated_at, name, dingtalk_user_id, role)",
            [("st-admin", 1, False, "{}", now, "admin", "u-admin", "admin")],
        ),
        (
            "position (id, version, deleted, extra, updated_at, title, department_id)",
            [(f"p-{n}", 1, False, "{}", now, f"Position {n}", "d-root") for n in range(POSITIONS)],
        ),
    ]


def _candidate_tables(now: datetime) -> Tables:
    """Candidates, one application each (a tenth with a missing requirement)."""
    edu = ("high_school", "associate", "bachelor", "master", "doctorate", None)
    return [
        (
            "candidate (id, version, deleted, extra, updated_at, name, mobile, "
            "dingtalk_user_id, education)",
            (
                (
                    f"c-{n}",
                    1,
                    False,
                    "{}",
                    now,
                    f"Candidate {n}",
                    f"138{n:08d}",
                    f"u-c{n}",
                    edu[n % len(edu)],
                )
                for n in range(CANDIDATES)
            ),
        ),
        (
            "application (id, version, deleted, extra, updated_at, candidate_id, "
            "position_id, batch, stage)",
            (
                (
                    f"a-{n}",
                    1,
                    False,
                    "{}",
                    now,
                    f"c-{n}",
                    "p-0" if n < BIG_POSITION_APPLICATIONS else f"p-{1 + n % (POSITIONS - 1)}",
                    "2026-spring",
                    "ai_interview",
                )
                for n in range(CANDIDATES)
            ),
        ),
        (
            "requirement (application_id, key, label, status, ordinal)",
            ((f"a-{n}", "health_cert", "健康证", "missing", 0) for n in range(0, CANDIDATES, 10)),
        ),
    ]


def _interview_tables(now: datetime) -> Tables:
    """Three rounds per application: the AI interview (completed) and two onsite ones."""
    statuses = ("completed", "invited", "scheduled", "no_show", "attended")
    return [
        (
            "interview (id, version, deleted, extra, updated_at, application_id, round, "
            "kind, scheduled_at, deadline_at, interviewer_names, status)",
            (
                (
                    f"i-{n}-{r}",
                    1,
                    False,
                    "{}",
                    now,
                    f"a-{n}",
                    r,
                    "ai" if r == 1 else "onsite",
                    now + timedelta(days=r),
                    now + timedelta(days=r + 2),
                    '["AI", "王经理"]',
                    "completed" if r == 1 else statuses[(n + r) % len(statuses)],
                )
                for n in range(CANDIDATES)
                for r in range(1, INTERVIEWS_PER_APPLICATION + 1)
            ),
        ),
    ]


def _score_tables(rng: random.Random, now: datetime) -> Tables:
    """A published score of the first round, four dimensions and a comment each."""
    overall = [round(rng.uniform(30, 100), 1) for _ in range(CANDIDATES)]
    dims = ("logic", "expression", "attitude", "experience")
    # Drawn now, in the order the old single loop drew them, so the seed's values stay the same.
    dim_scores = [round(rng.uniform(20, 100), 1) for _ in range(CANDIDATES * len(dims))]
    return [
        (
            "score (id, version, deleted, extra, updated_at, interview_id, status, overall, "
            "published_at)",
            (
                (f"s-{n}", 1, False, "{}", now, f"i-{n}-1", "published", overall[n], now)
                for n in range(CANDIDATES)
            ),
        ),
        (
            "score_dimension (score_id, key, label, score, max_score, ordinal)",
            (
                (f"s-{n}", k, k, dim_scores[n * len(dims) + i], 100.0, i)
                for n in range(CANDIDATES)
                for i, k in enumerate(dims)
            ),
        ),
        (
            "score_comment (score_id, ordinal, author, text)",
            ((f"s-{n}", 0, "AI", "表达清晰，逻辑良好") for n in range(CANDIDATES)),
        ),
    ]


def _copy(cur: Any, target: str, rows: Any) -> None:
    with cur.copy(f"COPY {target} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
