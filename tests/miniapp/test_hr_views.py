"""HR endpoints: filtering, ranking, top N / top P % with ties, pagination, the full report."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from storage.action_models import Delivery, ScoreFlag
from storage.sync_models import ChangeHistory
from tests import factories as f

SCORES = {"a1": 90.0, "a2": 85.0, "a3": 85.0, "a4": 85.0, "a5": 70.0}


def ranking_world(s: Session) -> dict[str, str]:
    f.department(s, "d-1")
    admin = f.staff(s, "st-admin", "admin")
    f.position(s, "p-1", "d-1")
    for n, (app_id, overall) in enumerate(SCORES.items()):
        f.candidate(s, f"c-{app_id}")
        f.application(
            s, app_id, f"c-{app_id}", "p-1", stage="interview" if n % 2 else "ai_interview"
        )
        f.interview(s, f"i-{app_id}", app_id, status="completed" if n < 3 else "attended")
        f.score(s, f"s-{app_id}", f"i-{app_id}", overall, dimensions={"logic": 100.0 - overall})
    f.candidate(s, "c-none")
    f.application(s, "a-none", "c-none", "p-1")
    f.interview(s, "i-none", "a-none", status="no_show")
    s.commit()
    return f.bearer(f.token_for(staff_row=admin))


def _get(client: FlaskClient, headers: dict[str, str], query: str) -> dict:  # type: ignore[type-arg]
    response = client.get(f"/api/v1/hr/positions/p-1/applications?{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def test_sorted_by_overall_with_unscored_last(client: FlaskClient, session: Session) -> None:
    headers = ranking_world(session)
    body = _get(client, headers, "")
    assert [i["application_id"] for i in body["items"]] == ["a1", "a2", "a3", "a4", "a5", "a-none"]
    assert body["total"] == 6 and body["cutoff"] is None and body["sort"] == "overall"


def test_sorted_by_dimension(client: FlaskClient, session: Session) -> None:
    headers = ranking_world(session)
    body = _get(client, headers, "sort=dimension&dimension=logic")
    assert [i["application_id"] for i in body["items"]][:2] == ["a5", "a2"]
    assert body["items"][0]["sort_value"] == 30.0 and body["sort"] == "dimension:logic"


@pytest.mark.parametrize(
    ("query", "ids", "cutoff"),
    [
        ("top=2", ["a1", "a2", "a3", "a4"], {"requested": 2, "score": 85.0, "ties_included": 2}),
        ("top=1", ["a1"], {"requested": 1, "score": 90.0, "ties_included": 0}),
        (
            "top=5",
            ["a1", "a2", "a3", "a4", "a5"],
            {"requested": 5, "score": 70.0, "ties_included": 0},
        ),
        (
            "top=50",
            ["a1", "a2", "a3", "a4", "a5"],
            {"requested": 50, "score": 70.0, "ties_included": 0},
        ),
        (
            "top_percent=40",
            ["a1", "a2", "a3", "a4"],
            {"requested": 2, "score": 85.0, "ties_included": 2},
        ),
        ("top_percent=20", ["a1"], {"requested": 1, "score": 90.0, "ties_included": 0}),
    ],
)
def test_top_n_and_percent_include_ties(
    client: FlaskClient, session: Session, query: str, ids: list[str], cutoff: dict
) -> None:  # type: ignore[type-arg]
    headers = ranking_world(session)
    body = _get(client, headers, query)
    assert [i["application_id"] for i in body["items"]] == ids
    assert body["cutoff"] == cutoff and body["total"] == len(ids)


def test_filters_and_pagination(client: FlaskClient, session: Session) -> None:
    headers = ranking_world(session)
    body = _get(client, headers, "stage=interview")
    assert [i["application_id"] for i in body["items"]] == ["a2", "a4"]
    body = _get(client, headers, "interview_status=no_show")
    assert [i["application_id"] for i in body["items"]] == ["a-none"]
    body = _get(client, headers, "per_page=2&page=2")
    assert [i["application_id"] for i in body["items"]] == ["a3", "a4"]
    assert (body["total"], body["page"], body["per_page"]) == (6, 2, 2)


@pytest.mark.parametrize(
    "query",
    [
        "top=0",
        "top_percent=101",
        "sort=dimension",
        "top=1&top_percent=5",
        "stage=nope",
        "per_page=0",
        "page=abc",
    ],
)
def test_invalid_queries_are_400(client: FlaskClient, session: Session, query: str) -> None:
    headers = ranking_world(session)
    response = client.get(f"/api/v1/hr/positions/p-1/applications?{query}", headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_input"


def test_full_report(client: FlaskClient, session: Session) -> None:
    headers = ranking_world(session)
    f.application(session, "a1-req", "c-a1", "p-1", requirements=[("health_cert", "submitted")])
    for version, overall, status in ((1, 70.0, "draft"), (2, 90.0, "published")):
        session.add(
            ChangeHistory(
                entity_kind="score",
                entity_id="s-a1",
                version=version,
                source="push",
                operation="created" if version == 1 else "updated",
                received_at=f.NOW,
                applied_at=f.NOW + timedelta(seconds=version),
                changes={},
                data={"overall": overall, "status": status},
            )
        )
    session.add(ScoreFlag(score_id="s-a1", staff_id="st-admin", note="check audio"))
    session.add(
        Delivery(
            application_id="a1",
            purpose="score_candidate",
            recipient_kind="candidate",
            recipient_id="c-a1",
            channel="card",
            out_track_id="t-1",
            dedupe_key="t-1:create",
            state="sent",
        )
    )
    session.commit()
    response = client.post(
        "/api/v1/hr/applications/a1/decisions",
        headers=headers,
        json={"decision": "hold", "reason": "wait"},
    )
    assert response.status_code == 201
    body = client.get("/api/v1/hr/applications/a1", headers=headers).get_json()
    assert body["candidate"]["id"] == "c-a1" and body["position"]["id"] == "p-1"
    assert [(v["version"], v["overall"], v["status"]) for v in body["score_history"]] == [
        (1, 70.0, "draft"),
        (2, 90.0, "published"),
    ]
    assert body["flags"][0]["note"] == "check audio"
    assert body["timeline"][0]["purpose"] == "score_candidate"
    assert body["decisions"][0]["decision"] == "hold"
    assert body["scores"][0]["dimensions"][0]["key"] == "logic"
    req = client.get("/api/v1/hr/applications/a1-req", headers=headers).get_json()
    assert req["requirements"] == [
        {"key": "health_cert", "label": "health_cert label", "status": "submitted"}
    ]
