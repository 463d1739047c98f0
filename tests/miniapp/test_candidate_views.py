"""Candidate endpoints: every interview, next steps and to-dos, and the policy-bound report."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from services.views.candidate import next_step_code
from storage.db import upgrade_database
from storage.runtime import Runtime, build_runtime
from tests import factories as f
from tests.conftest import make_test_settings
from web import create_app


def _candidate_world(s: Session) -> str:
    f.department(s, "d-1")
    f.position(s, "p-1", "d-1", title="店长")
    f.position(s, "p-2", "d-1", title="收银员")
    f.position(s, "p-gone", "d-1", deleted=True)
    c = f.candidate(s, "c-1", uid="u-c1")
    f.candidate(s, "c-other")
    f.application(
        s, "a-1", "c-1", "p-1", requirements=[("health_cert", "missing"), ("id_card", "approved")]
    )
    f.application(s, "a-2", "c-1", "p-2", stage="interview")
    f.application(s, "a-gone", "c-1", "p-gone")
    f.application(s, "a-other", "c-other", "p-1")
    f.interview(s, "i-ai", "a-1", status="attended", interviewer_names=["AI"])
    f.interview(
        s,
        "i-onsite",
        "a-2",
        kind="onsite",
        status="scheduled",
        round=2,
        interviewer_names=["王经理", "李主管"],
    )
    f.interview(
        s, "i-draft", "a-2", status="completed", round=1, scheduled_at=f.NOW - timedelta(days=5)
    )
    f.interview(s, "i-gone", "a-gone")
    f.interview(s, "i-deleted", "a-1", deleted=True)
    f.interview(s, "i-other", "a-other")
    f.score(
        s,
        "s-ai",
        "i-ai",
        86.5,
        dimensions={"logic": 90.0, "expression": 80.0},
        comments=["表达清晰"],
    )
    f.score(s, "s-draft", "i-draft", 43.21, status="draft")
    s.commit()
    return f.token_for(candidate_row=c)


def test_lists_every_live_interview_with_next_step_and_todos(
    client: FlaskClient, session: Session
) -> None:
    token = _candidate_world(session)
    body = client.get("/api/v1/me/interviews", headers=f.bearer(token)).get_json()
    by_id = {i["id"]: i for i in body["items"]}
    assert set(by_id) == {"i-ai", "i-onsite", "i-draft"}
    ai = by_id["i-ai"]
    assert ai["position_title"] == "店长" and ai["result_available"] is True
    assert ai["next_step"]["code"] == "complete_todos"
    assert [t["requirement_key"] for t in ai["todos"]] == ["health_cert"]
    assert ai["todos"][0]["code"] == "upload_requirement"
    onsite = by_id["i-onsite"]
    assert onsite["interviewer_names"] == ["王经理", "李主管"]
    assert onsite["kind"] == {"code": "onsite", "label": "现场面试"}
    assert onsite["next_step"]["code"] == "attend_interview"
    draft = by_id["i-draft"]
    assert draft["result_available"] is False and draft["next_step"]["code"] == "await_result"


def test_english_labels_on_request(client: FlaskClient, session: Session) -> None:
    token = _candidate_world(session)
    headers = {**f.bearer(token), "Accept-Language": "en-US,en;q=0.9"}
    body = client.get("/api/v1/me/interviews/i-onsite", headers=headers).get_json()
    assert body["interview"]["kind"]["label"] == "On-site interview"
    assert body["stage"] == {"code": "interview", "label": "Interview"}


def test_report_follows_default_policy_and_shows_progress(
    client: FlaskClient, session: Session
) -> None:
    token = _candidate_world(session)
    body = client.get("/api/v1/me/interviews/i-ai", headers=f.bearer(token)).get_json()
    score = body["score"]
    assert score["overall"] == 86.5
    assert [d["key"] for d in score["dimensions"]] == ["logic", "expression"]
    assert score["comments"] is None  # default policy: overall,dimensions
    states = [(p["stage"], p["state"]) for p in body["progress"]]
    assert states == [
        ("screening", "done"),
        ("ai_interview", "current"),
        ("interview", "upcoming"),
        ("offer", "upcoming"),
        ("hired", "upcoming"),
    ]
    assert body["interview"]["todos"][0]["requirement_label"] == "health_cert label"


def test_draft_score_never_appears(client: FlaskClient, session: Session) -> None:
    token = _candidate_world(session)
    body = client.get("/api/v1/me/interviews/i-draft", headers=f.bearer(token)).get_json()
    assert body["score"] is None
    # A value no timestamp or id contains: the draft's overall must not leak anywhere.
    assert "43.21" not in str(body) and "s-draft" not in str(body)


def test_policy_setting_controls_parts(runtime: Runtime, session: Session) -> None:
    token = _candidate_world(session)
    settings = make_test_settings(
        runtime.settings.require("DATABASE_URL"),
        runtime.settings.require("REDIS_URL"),
        CANDIDATE_SCORE_VISIBILITY="comments",
    )
    runtime.settings = settings
    app: Flask = create_app(runtime=runtime, test_config={"TESTING": True})
    body = app.test_client().get("/api/v1/me/interviews/i-ai", headers=f.bearer(token)).get_json()
    assert body["score"]["overall"] is None and body["score"]["dimensions"] is None
    assert body["score"]["comments"] == [{"author": "AI", "text": "表达清晰"}]


def test_other_and_tombstoned_interviews_are_404(client: FlaskClient, session: Session) -> None:
    token = _candidate_world(session)
    for interview_id in ("i-other", "i-gone", "i-deleted", "i-missing"):
        response = client.get(f"/api/v1/me/interviews/{interview_id}", headers=f.bearer(token))
        assert response.status_code == 404, interview_id


def test_closed_application_progress_stops_where_it_ended(
    client: FlaskClient, session: Session
) -> None:
    f.department(session, "d-1")
    f.position(session, "p-1", "d-1")
    c = f.candidate(session, "c-1")
    f.application(session, "a-1", "c-1", "p-1", stage="rejected")
    f.interview(session, "i-1", "a-1", status="completed")
    session.commit()
    body = client.get(
        "/api/v1/me/interviews/i-1", headers=f.bearer(f.token_for(candidate_row=c))
    ).get_json()
    assert body["interview"]["next_step"]["code"] == "closed_rejected"
    assert [p["state"] for p in body["progress"]][:3] == ["done", "stopped", "upcoming"]


def test_next_step_follows_the_stage_after_a_decision(
    client: FlaskClient, session: Session
) -> None:
    f.department(session, "d-1")
    f.position(session, "p-1", "d-1")
    c = f.candidate(session, "c-1", uid="u-c1")
    # HR advanced the application (ai_interview -> interview) after the AI interview's result.
    f.application(session, "a-1", "c-1", "p-1", stage="interview")
    f.interview(session, "i-ai", "a-1", status="completed")
    f.score(session, "s-ai", "i-ai", 82.0)
    session.commit()
    headers = f.bearer(f.token_for(candidate_row=c))
    (item,) = client.get("/api/v1/me/interviews", headers=headers).get_json()["items"]
    assert item["next_step"] == {"code": "next_round", "label": "已进入面试环节，请留意面试安排"}
    body = client.get("/api/v1/me/interviews/i-ai", headers=headers).get_json()
    assert body["interview"]["next_step"]["code"] == "next_round"
    assert body["stage"]["label"] == "面试"
    assert ("interview", "current") in [(p["stage"], p["state"]) for p in body["progress"]]


@pytest.mark.parametrize(
    ("stage", "kind", "expected"),
    [
        ("ai_interview", "ai", "await_decision"),  # result out, no decision yet
        ("interview", "ai", "next_round"),
        ("interview", "onsite", "await_decision"),  # the interview round's own result
        ("offer", "onsite", "respond_offer"),
        ("hired", "onsite", "hired"),
        ("rejected", "ai", "closed_rejected"),
        ("withdrawn", "ai", "closed_withdrawn"),
    ],
)
def test_next_step_code_puts_the_stage_first(stage: str, kind: str, expected: str) -> None:
    done = SimpleNamespace(status="completed", kind=kind, deadline_at=None)
    assert next_step_code(stage, done, has_result=True, has_todos=False, now=f.NOW) == expected
    scheduled = SimpleNamespace(status="scheduled", kind=kind, deadline_at=f.NOW + timedelta(1))
    code = next_step_code(stage, scheduled, has_result=False, has_todos=False, now=f.NOW)
    if stage in ("ai_interview", "interview"):
        assert code in ("take_ai_interview", "attend_interview")
    else:
        assert code == expected  # a decided application outranks any open interview


def test_sqlite_answers_exactly_what_postgresql_answers(
    client: FlaskClient, session: Session, runtime: Runtime, tmp_path: Path
) -> None:
    """The embedded default (`make run`) runs the same statements through SQLite's dialect."""
    token = _candidate_world(session)
    url = f"sqlite:///{tmp_path / 'embedded.db'}"
    upgrade_database(url)
    lite = build_runtime(make_test_settings(url, runtime.settings.require("REDIS_URL")))
    try:
        with lite.session_factory() as lite_session:
            _candidate_world(lite_session)  # the same people: the PostgreSQL token fits
        lite_client = create_app(runtime=lite, test_config={"TESTING": True}).test_client()
        paths = ["/api/v1/me/interviews"] + [
            f"/api/v1/me/interviews/{i}" for i in ("i-ai", "i-onsite", "i-draft", "i-other")
        ]
        for lang in ("zh", "en"):
            headers = {**f.bearer(token), "Accept-Language": lang}
            for path in paths:
                on_pg, on_lite = (
                    client.get(path, headers=headers),
                    lite_client.get(path, headers=headers),
                )
                assert on_lite.status_code == on_pg.status_code, path
                assert on_lite.get_json() == on_pg.get_json(), path
    finally:
        lite.close()


def test_answers_serialize_exactly_as_their_documented_models(
    runtime: Runtime, session: Session
) -> None:
    """The hot candidate endpoints answer the services' dataclasses directly (`Answer`): the
    JSON must be what validating through the documented response models would give."""
    from miniapp_api.routes_candidate import InterviewList
    from miniapp_api.schemas import CandidateInterviewList, CandidateReport
    from miniapp_api.spec import answer
    from services.access.sessions import verify_session_token
    from services.views import candidate as cv

    token = _candidate_world(session)
    viewer = verify_session_token(f.SECRET, token, now=f.NOW)
    items = cv.list_interviews_for_candidate(session, viewer, lang="zh", now=f.NOW)
    listed = answer(InterviewList(items), InterviewList)
    assert listed.adapter.dump_json(listed.value) == (
        CandidateInterviewList.model_validate({"items": items}).model_dump_json().encode()
    )
    policy = frozenset({"overall", "dimensions", "comments"})
    for interview_id in ("i-ai", "i-onsite", "i-draft"):
        report = cv.get_report_for_candidate(
            session, viewer, interview_id, policy=policy, lang="en", now=f.NOW
        )
        answered = answer(report, cv.CandidateReport)
        assert answered.adapter.dump_json(report) == (
            CandidateReport.model_validate(report).model_dump_json().encode()
        )
