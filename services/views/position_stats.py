"""Score statistics of one position. On PostgreSQL one statement finds the latest visible score of
each live application (an index-only lookup per application) and aggregates everything in SQL,
so a 10k-application position answers in well under 200 ms (`position_stats_postgresql`);
elsewhere (SQLite) a window query selects those scores and the overall figures are computed from
its rows (`position_stats_portable`). tests/miniapp/test_position_stats_parity.py runs both on
PostgreSQL and holds them to the same answer.

Only published or revised, live scores count, and only the latest per application (by publish
time, then interview round: the rule is storage.scores'). Quartiles use linear interpolation
between closest ranks (numpy's default, PostgreSQL's percentile_cont).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from services.access.visibility import Viewer, get_position_for_viewer
from services.offers.funnel import offer_funnel
from services.views import position_stats_portable as portable
from services.views import position_stats_postgresql as postgresql
from services.views.position_stats_base import (
    QUANTILE_METHOD,
    SMALL_SAMPLE,
    Bin,
    DimensionStats,
    EducationStats,
    PositionStats,
    TopEntry,
    histogram,
    quantile,
)
from services.views.position_stats_portable import latest_scores

# The results and the latest-score subquery stay importable from here.
__all__ = [
    "Bin",
    "DimensionStats",
    "EducationStats",
    "PositionStats",
    "TopEntry",
    "get_position_stats",
    "latest_scores",
    "quantile",
]


def get_position_stats(
    session: Session, viewer: Viewer, position_id: str, *, top_n: int = 10, now: datetime
) -> PositionStats:
    """Return the score statistics of a position the viewer may see."""
    position = get_position_for_viewer(session, viewer, position_id)
    if session.get_bind().dialect.name == "postgresql":
        agg, counts = postgresql.aggregate_and_count(session, position.id, top_n=top_n, now=now)
    else:
        agg = portable.aggregate(session, position.id, top_n)
        counts = portable.count(session, position.id, now)
    count = agg.count
    q1, median, q3 = agg.quartiles or (None, None, None)
    due = counts.interviews_due
    return PositionStats(
        position_id=position.id,
        applications=counts.applications,
        count=count,
        mean=agg.total / count if count else None,
        median=median,
        q1=q1,
        q3=q3,
        quantile_method=QUANTILE_METHOD,
        histogram=histogram(agg.bins),
        dimensions=agg.dimensions,
        top=agg.top,
        by_education=agg.by_education,
        interviews_due=due,
        no_shows=counts.no_shows,
        no_show_rate=counts.no_shows / due if due else None,
        small_sample=count < SMALL_SAMPLE,
        offers=offer_funnel(session, position.id),
    )
