"""The two implementations of the position statistics give the same answer on PostgreSQL: the
one-statement path the API uses there, and the portable path SQLite uses (which
test_position_stats.py and tests/storage/test_latest_score.py run on SQLite too)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from services.views import position_stats_portable as portable
from services.views import position_stats_postgresql as postgresql
from storage.models import Score
from tests import factories as f
from tests.miniapp.test_position_stats import stats_world


def _rounded(value: Any) -> Any:
    # percentile_cont and the Python quantiles may differ in the last bits.
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    return value


def _ties(s: Session) -> None:
    """Latest scores decided by the tie-breaks: round, version, id; and equal overalls."""
    when = f.NOW - timedelta(days=2)
    f.interview(s, "i1b", "a1", status="completed", round=2)
    f.score(s, "s1b", "i1b", 55.0, dimensions={"logic": 45.0}, published_at=when)
    f.candidate(s, "c9", education="master")
    f.application(s, "a9", "c9", "p-1")
    f.interview(s, "i9", "a9", status="completed")
    for score_id, overall, version in (("s9-a", 90.0, 2), ("s9-b", 40.0, 1), ("s9-c", 35.0, 2)):
        f.score(s, score_id, "i9", overall, dimensions={"logic": overall}, published_at=when)
        s.get_one(Score, score_id).version = version
    s.commit()


@pytest.mark.parametrize("ties", [False, True])
def test_postgresql_and_portable_statistics_agree(session: Session, ties: bool) -> None:
    stats_world(session)
    if ties:
        _ties(session)
    for top_n in (3, 100):
        fast, fast_counts = postgresql.aggregate_and_count(session, "p-1", top_n=top_n, now=f.NOW)
        session.rollback()  # SET LOCAL ends with the transaction, as in a request
        slow = portable.aggregate(session, "p-1", top_n)
        slow_counts = portable.count(session, "p-1", f.NOW)
        assert _rounded(asdict(fast)) == _rounded(asdict(slow))
        assert fast_counts == slow_counts
    if ties:
        # Released together: s9-c (version 2 as s9-a, the higher id) wins; a1's round 2 wins.
        latest = {
            r.application_id: r.score_id
            for r in session.execute(portable.latest_scores("p-1").select())
        }
        assert latest["a9"] == "s9-c" and latest["a1"] == "s1b"
