"""The candidate's view of the rounds after the AI interview (issue 18, item 6): time, place or
link, the interviewers' names, the answer to the current schedule; a cancelled round with its
reason; never an interviewer's feedback. On PostgreSQL and SQLite (`any_runtime`), and end to
end through a real card click (the rounds suite's sandbox, demo EHR and listener)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from services.rounds.state import round_version
from storage.models import Candidate, Feedback, Interview, InterviewInterviewer
from storage.round_models import RoundResponse
from storage.runtime import Runtime
from storage.sync_models import OutboxEvent
from storage.vocabulary import OUTBOX_RESCHEDULE_REQUESTED
from tests import factories as f
from tests.bot.scenario import NOW
from tests.rounds.test_round_flow import ROUND_CARD, cards, press, schedule, settle
from tests.support.servers import LocalHttp
from web import create_app

START = f.NOW + timedelta(days=1)


def _world(s: Session) -> str:
    f.department(s, "d-1")
    f.position(s, "p-1", "d-1", title="店长")
    c = f.candidate(s, "c-1", uid="u-c1")
    f.staff(s, "st-1", "interviewer", name="王经理")
    f.staff(s, "st-2", "interviewer", name="李主管")
    f.application(s, "a-1", "c-1", "p-1", stage="interview")
    f.interview(s, "i-ai", "a-1", status="attended")
    video = f.interview(
        s, "i-video", "a-1", kind="video", status="scheduled", round=2, scheduled_at=START,
        deadline_at=None, duration_minutes=45, meeting_url="https://meet.example.com/r2",
        interviewer_names=[],
    )  # fmt: skip
    video.interviewers = [InterviewInterviewer(staff_id=i) for i in ("st-2", "st-1")]
    f.interview(
        s, "i-onsite", "a-1", kind="onsite", status="cancelled", round=3, deadline_at=None,
        location="上海市徐汇区 1 号", cancel_reason="岗位已招满", interviewer_names=["赵总"],
    )  # fmt: skip
    f.interview(
        s, "i-unsafe", "a-1", kind="video", status="scheduled", round=4, deadline_at=None,
        meeting_url="javascript:alert(document.domain)//", interviewer_names=["赵总"],
    )  # fmt: skip
    s.flush()
    # An answer to an earlier schedule, then a confirmation of the current one.
    for version, response in (("old-version", "reschedule_requested"), (None, "confirmed")):
        s.add(
            RoundResponse(
                interview_id="i-video",
                schedule_version=version or round_version(video),
                response=response,
                candidate_id="c-1",
                created_at=f.NOW,
            )
        )
    s.commit()
    return f.token_for(candidate_row=c)


def _get(client: FlaskClient, token: str, path: str = "") -> Any:
    response = client.get(f"/api/v1/me/interviews{path}", headers=f.bearer(token))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _client(runtime: Runtime) -> FlaskClient:
    return create_app(runtime=runtime, test_config={"TESTING": True}).test_client()


def test_an_upcoming_round_shows_time_link_names_and_the_current_answer(
    any_runtime: Runtime,
) -> None:
    with any_runtime.session_factory() as s:
        token = _world(s)
    client = _client(any_runtime)
    items = {i["id"]: i for i in _get(client, token)["items"]}
    assert items["i-ai"]["round_details"] is None
    video = items["i-video"]
    details = video["round_details"]
    assert details["duration_minutes"] == 45 and details["upcoming"] is True
    assert details["ends_at"] is not None
    assert details["meeting_url"] == "https://meet.example.com/r2"
    # Names, not ids: the EHR sent none, so the cached staff names in id order.
    assert video["interviewer_names"] == ["王经理", "李主管"] == details["interviewer_names"]
    assert "st-1" not in str(video)
    # The answer to the current schedule, not the earlier one.
    assert details["confirmation"] == {"code": "confirmed", "label": "已确认参加"}
    assert _get(client, token, "/i-video")["interview"] == video


def test_a_cancelled_round_shows_its_reason_and_no_link(any_runtime: Runtime) -> None:
    with any_runtime.session_factory() as s:
        token = _world(s)
    client = _client(any_runtime)
    onsite = _get(client, token, "/i-onsite")["interview"]
    assert onsite["status"]["code"] == "cancelled"
    details = onsite["round_details"]
    assert details["cancel_reason"] == "岗位已招满" and details["upcoming"] is False
    assert details["confirmation"] is None and details["location"] == "上海市徐汇区 1 号"
    unsafe = _get(client, token, "/i-unsafe")["interview"]["round_details"]
    assert unsafe["meeting_url"] is None and unsafe["cancel_reason"] is None


def test_a_moved_round_needs_a_new_answer(any_runtime: Runtime) -> None:
    with any_runtime.session_factory() as s:
        token = _world(s)
        row = s.get(Interview, "i-video")
        assert row is not None
        row.scheduled_at = START + timedelta(hours=3)
        s.commit()
    details = _get(_client(any_runtime), token, "/i-video")["interview"]["round_details"]
    assert details["confirmation"] is None and details["upcoming"] is True


def test_feedback_in_the_cache_changes_nothing_the_candidate_sees(any_runtime: Runtime) -> None:
    with any_runtime.session_factory() as s:
        token = _world(s)
    client = _client(any_runtime)
    before = [_get(client, token), _get(client, token, "/i-video")]
    with any_runtime.session_factory() as s:
        s.add(
            Feedback(
                id="fb-1", version=1, interview_id="i-video", staff_id="st-1", result="fail",
                ratings=[{"key": "logic", "label": "逻辑", "score": 17, "max_score": 100}],
                comment="候选人表达混乱 FEEDBACK-SECRET", submitted_at=f.NOW,
            )
        )  # fmt: skip
        s.commit()
    after = [_get(client, token), _get(client, token, "/i-video")]
    assert after == before
    assert "FEEDBACK-SECRET" not in str(after) and "fb-1" not in str(after)


def test_the_candidate_sees_their_card_confirmation_and_a_move_clears_it(
    http: FlaskClient,
    hr_headers: Callable[[str], dict[str, str]],
    app_id: str,
    connected: LocalHttp,
    bot_runtime: Runtime,
) -> None:
    made = schedule(http, hr_headers("st-hr-li"), app_id)
    settle(bot_runtime, made["id"])
    with bot_runtime.session_factory() as s:
        candidate = s.get(Candidate, "cand-01")
        assert candidate is not None
        token = f.token_for(candidate_row=candidate)
    path = f"/{made['id']}"
    assert _get(http, token, path)["interview"]["round_details"]["confirmation"] is None
    [card] = cards(connected, "cand_01", ROUND_CARD)
    press(connected, card["out_track_id"], "cand_01", "round_confirm", interview_id=made["id"])
    shown = _get(http, token, path)["interview"]
    assert shown["round_details"]["confirmation"]["code"] == "confirmed"
    assert shown["round_details"]["meeting_url"] == "https://meet.example.com/r2"
    assert len(shown["interviewer_names"]) == 2  # (this suite's staff are named by their ids)
    later = {"scheduled_at": (NOW + timedelta(days=5)).isoformat(), "idempotency_key": app_id}
    moved = http.post(
        f"/api/v1/hr/interviews/{made['id']}/reschedule", headers=hr_headers("st-hr-li"), json=later
    )
    assert moved.status_code == 200, moved.get_json()
    assert _get(http, token, path)["interview"]["round_details"]["confirmation"] is None


def test_the_candidate_answers_from_the_page_once_and_only_for_their_round(
    any_runtime: Runtime,
) -> None:
    with any_runtime.session_factory() as s:
        token = _world(s)
        other = f.token_for(candidate_row=f.candidate(s, "c-2", uid="u-c2"))
        s.commit()
    client = _client(any_runtime)

    def answer(who: str, interview_id: str, **body: Any) -> Any:
        return client.post(
            f"/api/v1/me/interviews/{interview_id}/round-response",
            json=body,
            headers=f.bearer(who),
        )

    ask = {"response": "reschedule_requested", "note": "周四下午要上课，周五可以吗？"}
    assert answer(token, "i-video", **ask).status_code == 200
    assert answer(token, "i-video", **ask).status_code == 200  # said twice: recorded once
    with any_runtime.session_factory() as s:
        rows = s.query(OutboxEvent).filter_by(kind=OUTBOX_RESCHEDULE_REQUESTED).all()
        assert [r.payload["note"] for r in rows] == [ask["note"]]
    details = _get(client, token, "/i-video")["interview"]["round_details"]
    assert details["confirmation"]["code"] == "reschedule_requested"
    # Another candidate's round is not found; a cancelled one is closed; a bad body is a 400.
    assert answer(other, "i-video", response="confirmed").status_code == 404
    closed = answer(token, "i-onsite", response="confirmed")
    assert closed.status_code == 409 and closed.get_json()["error"]["code"] == "round_closed"
    assert answer(token, "i-video", response="maybe").status_code == 400
