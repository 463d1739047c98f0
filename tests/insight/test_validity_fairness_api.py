"""Validity, fairness and probation over HTTP, on rows seeded in the cache."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from services.insight.stats import correlate
from storage.models import PerformanceReview, TrainingProgress
from storage.runtime import Runtime
from tests.factories import bearer
from tests.insight.conftest import client_with
from tests.insight.seed import HireRow, add_hires
from tests.miniapp.conftest import World

VALIDITY = "/api/v1/hr/positions/p-own/validity"
FAIRNESS = "/api/v1/hr/positions/p-own/fairness"


def _rows(n: int) -> list[HireRow]:
    # Performance rises with the overall score, with a wobble; completion with performance.
    return [
        HireRow(
            overall=60 + i,
            logic=90 - i,
            performance=50 + i * 0.8 + (7 if i % 3 == 0 else -4),
            completion=100 - (i % 5) * 10,
        )
        for i in range(n)
    ]


def test_validity_refuses_below_the_minimum_sample(
    client: FlaskClient, world: World, session: Session
) -> None:
    add_hires(session, "p-own", _rows(29), prefix="v")
    session.commit()
    body = client.get(VALIDITY, headers=bearer(world.tokens["admin"])).get_json()
    assert (body["n"], body["min_sample"], body["enough"]) == (29, 30, False)
    assert "not enough" in body["message"] or "数据不足" in body["message"]
    assert body["overall"] is None and body["dimensions"] == [] and body["points"] == []
    assert body["cutoff"] is None and body["training"] is None
    assert len(body["caveats"]) == 3


def test_validity_gives_correlations_the_cutoff_statement_and_completion(
    client: FlaskClient, world: World, session: Session
) -> None:
    rows = _rows(30)
    add_hires(session, "p-own", rows, prefix="v")
    # Not hired, not reviewed: not in the sample.
    add_hires(session, "p-own", [HireRow(overall=99, logic=99, stage="rejected")], prefix="x")
    session.commit()
    headers = {**bearer(world.tokens["recruiting_manager"]), "Accept-Language": "en"}
    body = client.get(VALIDITY + "?cutoff=80", headers=headers).get_json()
    assert (body["n"], body["enough"], body["message"]) == (30, True, None)
    perf = [r.performance or 0 for r in rows]
    expected = correlate([r.overall for r in rows], perf)
    assert body["overall"]["pearson"] == pytest.approx(expected.pearson)
    assert body["overall"]["spearman"] == pytest.approx(expected.spearman)
    assert body["overall"]["ci_low"] == pytest.approx(expected.ci_low)
    assert body["overall"]["n"] == 30
    logic = {d["key"]: d for d in body["dimensions"]}["logic"]
    # logic falls as overall rises: the same strength, the other sign.
    assert logic["label"] == "逻辑思维"
    assert logic["correlation"]["pearson"] == pytest.approx(-expected.pearson)
    cut = body["cutoff"]
    above = [p for r, p in zip(rows, perf, strict=True) if r.overall >= 80]
    assert (cut["measure"], cut["cutoff"], cut["n_at_or_above"], cut["n_below"]) == (
        "overall",
        80,
        len(above),
        30 - len(above),
    )
    assert cut["mean_at_or_above"] == pytest.approx(sum(above) / len(above))
    assert "Hires with overall score ≥ 80" in cut["text"]
    completion = correlate([r.completion or 0 for r in rows], perf)
    assert body["training"]["pearson"] == pytest.approx(completion.pearson)
    assert len(body["points"]) == 30
    assert any("Correlation is not cause" in c for c in body["caveats"])
    assert any("restricted sample" in c for c in body["caveats"])


def test_validity_min_sample_comes_from_the_setting_and_a_dimension_can_be_the_measure(
    runtime: Runtime, world: World, session: Session
) -> None:
    add_hires(session, "p-own", _rows(5), prefix="v")
    session.commit()
    small, other = client_with(runtime, VALIDITY_MIN_SAMPLE=5)
    try:
        body = small.get(
            VALIDITY + "?measure=logic&cutoff=85", headers=bearer(world.tokens["admin"])
        ).get_json()
    finally:
        other.run_closers()
    assert body["enough"] is True and body["min_sample"] == 5
    assert body["cutoff"]["measure"] == "logic" and body["cutoff"]["label"] == "逻辑思维"
    # logic = 90 - i >= 85 for i = 0..4: everyone at or above, nobody below.
    assert (body["cutoff"]["n_at_or_above"], body["cutoff"]["n_below"]) == (5, 0)
    assert body["cutoff"]["difference_percent"] is None


@pytest.mark.parametrize(
    "query", ["?cutoff=101", "?cutoff=abc", "?measure=", "?measure=no_such_dimension"]
)
def test_bad_validity_queries_are_clear_errors(
    client: FlaskClient, world: World, session: Session, query: str
) -> None:
    add_hires(session, "p-own", _rows(30), prefix="v")
    session.commit()
    response = client.get(VALIDITY + query, headers=bearer(world.tokens["admin"]))
    assert response.status_code == 400
    assert set(response.get_json()["error"]) == {"code", "message"}


def test_fairness_rates_ratios_and_suppression(
    client: FlaskClient, world: World, session: Session
) -> None:
    rows = (
        [HireRow(80, 80, education="bachelor", stage="interview")] * 6
        + [HireRow(60, 60, education="bachelor", stage="rejected")] * 4
        + [HireRow(80, 80, education="high_school", stage="hired")] * 4
        + [HireRow(60, 60, education="high_school", stage="rejected")] * 6
        + [HireRow(90, 90, education="master", stage="offer")] * 9
    )  # fmt: skip
    add_hires(session, "p-own", rows, prefix="f")
    session.commit()
    body = client.get(FAIRNESS, headers=bearer(world.tokens["hr_specialist"])).get_json()
    # a-own of the world (bachelor, ai_interview, scored) counts too: bachelor 6 / 11.
    groups = {g["education"]: g for g in body["groups"]}
    assert body["total"] == 30 and body["min_group"] == 10 and body["threshold"] == 0.8
    assert groups["bachelor"]["count"] == 11 and groups["bachelor"]["ratio"] == 1.0
    assert groups["high_school"]["rate"] == 0.4
    assert groups["high_school"]["ratio"] == pytest.approx(0.4 / (6 / 11), abs=1e-4)
    assert groups["high_school"]["below_four_fifths"] is True
    assert groups["master"] == {
        "education": "master", "suppressed": True, "count": None, "advanced": None,
        "rate": None, "ratio": None, "below_four_fifths": None,
    }  # fmt: skip


def test_probation_over_http(client: FlaskClient, world: World, session: Session) -> None:
    session.add_all(
        [
            PerformanceReview(
                id="pr-1", version=1, application_id="a-own", period="probation", score=90
            ),
            TrainingProgress(
                id="tp-1", version=1, application_id="a-own", course_key="k", course_title="K",
                completion=70, exam_score=90,
            ),
        ]
    )  # fmt: skip
    session.commit()
    body = client.get(
        "/api/v1/hr/applications/a-own/probation", headers=bearer(world.tokens["hr_specialist"])
    ).get_json()
    # Training effect (70 + 90) / 2 = 80; 0.3 x 80 + 0.7 x 90 = 87.
    assert (body["training_effect"], body["performance"], body["score"]) == (80, 90, 87)
    assert body["computation"] == "0.3 × 80.00 + 0.7 × 90.00 = 87.00"
    assert body["courses"] == [
        {"course_key": "k", "course_title": "K", "completion": 70, "exam_score": 90}
    ]
