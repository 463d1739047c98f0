"""Position statistics against values computed by hand for a fixture."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests import factories as f

# Latest visible overall per application: a1 50, a2 60 (newer score replaces 30), a3 70 (a newer
# tombstoned score is ignored), a4 80, a5 90, a6 95; a7 has only a draft; a8 is tombstoned.
EXPECTED = {
    "applications": 7,
    "count": 6,
    "mean": 445 / 6,
    "q1": 62.5,  # sorted 50 60 70 80 90 95: rank 1.25 -> 60 + 0.25 * 10
    "median": 75.0,  # rank 2.5 -> 70 + 0.5 * 10
    "q3": 87.5,  # rank 3.75 -> 80 + 0.75 * 10
    "histogram": [0, 0, 0, 0, 0, 1, 1, 1, 1, 2],
    "logic_mean": 385 / 6,  # overall - 10 each: 40 50 60 70 80 85
    "logic_histogram": [0, 0, 0, 0, 1, 1, 1, 1, 2, 0],
    "by_education": {"bachelor": (3, 60.0), "master": (2, 85.0), "unknown": (1, 95.0)},
    "interviews_due": 11,  # 8 finished + 2 no-shows + 1 invited past its deadline
    "no_shows": 2,
    "top3": [("a6", 95.0), ("a5", 90.0), ("a4", 80.0)],
}


def stats_world(s: Session) -> str:
    f.department(s, "d-1")
    admin = f.staff(s, "st-admin", "admin")
    f.position(s, "p-1", "d-1")
    education = {1: "bachelor", 2: "bachelor", 3: "bachelor", 4: "master", 5: "master", 6: None}
    for n, overall in ((1, 50.0), (2, 30.0), (3, 70.0), (4, 80.0), (5, 90.0), (6, 95.0)):
        f.candidate(s, f"c{n}", education=education[n])
        f.application(s, f"a{n}", f"c{n}", "p-1")
        f.interview(s, f"i{n}", f"a{n}", status="completed")
        f.score(
            s,
            f"s{n}",
            f"i{n}",
            overall,
            dimensions={"logic": overall - 10},
            published_at=f.NOW - timedelta(days=2),
        )
    f.interview(s, "i2b", "a2", status="completed", round=2)
    f.score(s, "s2b", "i2b", 60.0, status="revised", dimensions={"logic": 50.0})
    f.score(s, "s3-gone", "i3", 100.0, deleted=True)
    f.candidate(s, "c7")
    f.application(s, "a7", "c7", "p-1")
    f.interview(s, "i7", "a7", status="completed")
    f.score(s, "s7", "i7", 99.0, status="draft")
    f.interview(s, "i7-ns1", "a7", status="no_show")
    f.interview(s, "i7-ns2", "a7", status="no_show")
    f.interview(s, "i7-late", "a7", status="invited", deadline_at=f.NOW - timedelta(hours=1))
    f.interview(s, "i7-open", "a7", status="invited", deadline_at=f.NOW + timedelta(days=1))
    f.interview(s, "i7-cancel", "a7", status="cancelled", deadline_at=f.NOW - timedelta(days=1))
    f.candidate(s, "c8")
    f.application(s, "a8", "c8", "p-1", deleted=True)
    f.interview(s, "i8", "a8", status="no_show")
    f.score(s, "s8", "i8", 100.0)
    s.commit()
    return f.token_for(staff_row=admin)


def test_stats_match_hand_computed_values(client: FlaskClient, session: Session) -> None:
    token = stats_world(session)
    body = client.get("/api/v1/hr/positions/p-1/stats?top=3", headers=f.bearer(token)).get_json()
    for key in ("applications", "count", "q1", "median", "q3", "interviews_due", "no_shows"):
        assert body[key] == pytest.approx(EXPECTED[key]), key
    assert body["mean"] == pytest.approx(EXPECTED["mean"])
    assert body["no_show_rate"] == pytest.approx(2 / 11)
    assert [b["count"] for b in body["histogram"]] == EXPECTED["histogram"]
    assert body["histogram"][9] == {"lower": 90.0, "upper": 100.0, "count": 2}
    (logic,) = body["dimensions"]
    assert logic["key"] == "logic" and logic["count"] == 6
    assert logic["mean"] == pytest.approx(EXPECTED["logic_mean"])
    assert [b["count"] for b in logic["histogram"]] == EXPECTED["logic_histogram"]
    by_edu = {e["education"]: (e["count"], e["mean"]) for e in body["by_education"]}
    assert by_edu == EXPECTED["by_education"]  # exact: small integers and .0 means
    assert [(t["application_id"], t["overall"]) for t in body["top"]] == EXPECTED["top3"]
    assert body["small_sample"] is False
    assert "linear" in body["quantile_method"]


def test_small_sample_and_empty_position(client: FlaskClient, session: Session) -> None:
    f.department(session, "d-1")
    admin = f.staff(session, "st-admin", "admin")
    f.position(session, "p-small", "d-1")
    f.position(session, "p-empty", "d-1")
    for n in range(3):
        f.candidate(session, f"c{n}")
        f.application(session, f"a{n}", f"c{n}", "p-small")
        f.interview(session, f"i{n}", f"a{n}", status="completed")
        f.score(session, f"s{n}", f"i{n}", 60.0 + n)
    session.commit()
    headers = f.bearer(f.token_for(staff_row=admin))
    small = client.get("/api/v1/hr/positions/p-small/stats", headers=headers).get_json()
    assert small["small_sample"] is True and small["count"] == 3 and small["median"] == 61.0
    empty = client.get("/api/v1/hr/positions/p-empty/stats", headers=headers).get_json()
    assert empty["count"] == 0 and empty["mean"] is None and empty["median"] is None
    assert empty["no_show_rate"] is None and empty["small_sample"] is True
