"""HR schedules, moves and cancels a round through the API: the demo EHR's write-backs, the
cache, scope and the 400s / 409s / 503 (nothing half-done)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from sandbox.ehr import events as ev
from storage.models import Interview
from storage.round_models import RoundRequest
from storage.runtime import Runtime
from storage.sync_models import OutboxEvent
from storage.vocabulary import OUTBOX_ROUND_SCHEDULED
from tests.bot.scenario import NOW
from tests.rounds.conftest import INTERVIEWERS, round_body
from tests.support.servers import LocalHttp

Headers = Callable[[str], dict[str, str]]


def _writebacks(ehr: LocalHttp, app_id: str) -> list[dict[str, Any]]:
    return [
        d for d in ehr.get("/_demo/decisions")["decisions"] if d.get("application_id") == app_id
    ]


def _post(http: FlaskClient, path: str, headers: dict[str, str], body: dict[str, Any]) -> Any:
    return http.post(f"/api/v1{path}", headers=headers, json=body)


def test_double_submit_is_one_round_one_writeback(
    http: FlaskClient, hr_headers: Headers, app_id: str, ehr: LocalHttp, bot_runtime: Runtime
) -> None:
    path, headers = f"/hr/applications/{app_id}/interviews", hr_headers("st-hr-li")
    body = round_body()
    first = _post(http, path, headers, body)
    second = _post(http, path, headers, body)
    assert first.status_code == 201, first.get_json()
    assert second.get_json() == first.get_json()
    round_ = first.get_json()
    assert (round_["kind"], round_["interviewer_ids"]) == ("video", list(INTERVIEWERS))
    assert len(_writebacks(ehr, app_id)) == 1
    with bot_runtime.session_factory() as s:
        cached = s.get(Interview, round_["id"])
        assert cached is not None and sorted(cached.interviewer_ids) == sorted(INTERVIEWERS)
        assert cached.meeting_url == "https://meet.example.com/r2"
        rows = s.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.kind == OUTBOX_ROUND_SCHEDULED, OutboxEvent.entity_id == cached.id)
        )
        assert rows == 1
        request = s.scalars(select(RoundRequest)).one()
        assert (request.state, request.interview_id) == ("done", cached.id)


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"kind": "video", "meeting_url": None}, "meeting_url_required"),
        ({"kind": "onsite", "meeting_url": None}, "location_required"),
        ({"scheduled_at": (NOW - timedelta(hours=1)).isoformat()}, "scheduled_in_past"),
        ({"interviewer_ids": ["st-nobody"]}, "unknown_interviewer"),
        ({"interviewer_ids": ["st-hr-sun", "st-hr-sun"]}, "interviewers"),
        ({"scheduled_at": "2030-01-01T10:00:00"}, None),  # no offset: schema 400
        ({"duration_minutes": 0}, None),
        ({"meeting_url": "javascript:alert(1)"}, None),
    ],
)
def test_bad_bodies_are_400_and_reach_no_ehr(
    http: FlaskClient,
    hr_headers: Headers,
    app_id: str,
    ehr: LocalHttp,
    over: dict[str, Any],
    code: str | None,
) -> None:
    response = _post(
        http, f"/hr/applications/{app_id}/interviews", hr_headers("st-hr-li"), round_body(**over)
    )
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert set(error) == {"code", "message"}
    if code:
        assert error["code"] == code
    assert _writebacks(ehr, app_id) == []


def test_out_of_scope_hr_gets_404(
    http: FlaskClient, hr_headers: Headers, app_id: str, ehr: LocalHttp
) -> None:
    # 孙丽 owns only the warehouse position.
    path = f"/hr/applications/{app_id}/interviews"
    response = _post(http, path, hr_headers("st-hr-sun"), round_body())
    assert response.status_code == 404
    options = http.get(f"/api/v1{path[:-11]}/interviewer-options", headers=hr_headers("st-hr-sun"))
    assert options.status_code == 404
    assert _writebacks(ehr, app_id) == []


def test_ehr_down_is_503_then_the_same_key_succeeds(
    http: FlaskClient, hr_headers: Headers, app_id: str, bot_runtime: Runtime, ehr_url: str
) -> None:
    path, headers = f"/hr/applications/{app_id}/interviews", hr_headers("st-hr-li")
    settings, body = bot_runtime.settings, round_body()
    bot_runtime.settings = settings.model_copy(update={"EHR_BASE_URL": "http://127.0.0.1:9"})
    try:
        down = _post(http, path, headers, body)
    finally:
        bot_runtime.settings = settings
    assert down.status_code == 503 and down.headers["Retry-After"] == "30"
    with bot_runtime.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(RoundRequest)) == 0
        assert s.scalar(select(func.count()).select_from(Interview)) == 0
    again = _post(http, path, headers, body)
    assert again.status_code == 201, again.get_json()


def test_ehr_conflict_is_409_with_its_message(
    http: FlaskClient, hr_headers: Headers, app_id: str, ehr: LocalHttp, bot_runtime: Runtime
) -> None:
    # The EHR rejected the application meanwhile; the cache does not know it yet.
    data = ev.application(
        app_id, 2, candidate_id="cand-01", position_id="pos-store-night", stage="rejected"
    )
    ehr.post("/_demo/events", {"events": [ev.event("application", data)], "push": False})
    path, headers = f"/hr/applications/{app_id}/interviews", hr_headers("st-hr-li")
    clash = _post(http, path, headers, round_body())
    assert clash.status_code == 409, clash.get_json()
    assert clash.get_json()["error"] == {
        "code": "ehr_conflict",
        "message": "application is rejected",
    }
    with bot_runtime.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(RoundRequest)) == 0


def test_reschedule_and_cancel_write_back_and_update_the_cache(
    http: FlaskClient, hr_headers: Headers, app_id: str, ehr: LocalHttp, bot_runtime: Runtime
) -> None:
    headers = hr_headers("st-hr-li")
    made = _post(http, f"/hr/applications/{app_id}/interviews", headers, round_body()).get_json()
    later = (NOW + timedelta(days=3)).isoformat()
    moved = _post(
        http,
        f"/hr/interviews/{made['id']}/reschedule",
        headers,
        {"scheduled_at": later, "reason": "面试官出差", "idempotency_key": f"{app_id}-m1"},
    )
    assert moved.status_code == 200, moved.get_json()
    cancel = {"reason": "岗位已招满", "idempotency_key": f"{app_id}-c1"}
    cancelled = _post(http, f"/hr/interviews/{made['id']}/cancel", headers, cancel)
    assert cancelled.status_code == 200, cancelled.get_json()
    again = _post(http, f"/hr/interviews/{made['id']}/cancel", headers, cancel)
    assert again.get_json() == cancelled.get_json()
    with bot_runtime.session_factory() as s:
        row = s.get(Interview, made["id"])
        assert row is not None and (row.status, row.cancel_reason) == ("cancelled", "岗位已招满")
    # A round already cancelled can be moved no more (the cache says so before the EHR).
    late = _post(
        http,
        f"/hr/interviews/{made['id']}/reschedule",
        headers,
        {"scheduled_at": later, "idempotency_key": f"{app_id}-m2"},
    )
    assert late.status_code == 409
    assert late.get_json()["error"]["code"] == "round_over"
