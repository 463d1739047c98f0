"""clients/ehr.py's v1.1 write-backs against the demo EHR: schedule, reschedule, cancel a round,
and an interviewer's feedback (200, a repeated idempotency key, 409, 404, 400)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from clients.ehr import EhrBadRequest, EhrClient, EhrConflict, EhrNotFound
from sandbox.ehr import events as ev
from sandbox.ehr.testing import running_demo_ehr

TOKEN = "test-ehr-token"
NOW = datetime.now(UTC)
RATINGS = [{"key": "communication", "label": "沟通表达", "score": 4, "max_score": 5}]


@pytest.fixture(scope="module")
def demo() -> Iterator[str]:
    with running_demo_ehr(api_token=TOKEN) as url:
        seed = [
            ev.event("department", ev.department("d-1")),
            ev.event("staff", ev.staff("st-1")),
            ev.event("staff", ev.staff("st-iv-1", role="interviewer")),
            ev.event("staff", ev.staff("st-iv-2", role="interviewer")),
            ev.event("position", ev.position("pos-1")),
            ev.event("candidate", ev.candidate("cand-1")),
            *[
                ev.event("application", ev.application(f"app-{n}", stage="interview"))
                for n in range(1, 6)
            ],
            ev.event("application", ev.application("app-closed", stage="rejected")),
        ]
        requests.post(f"{url}/_demo/events", json={"events": seed, "push": False}, timeout=10)
        yield url


@pytest.fixture
def ehr(demo: str) -> Iterator[EhrClient]:
    client = EhrClient(demo, TOKEN, timeout=10)
    yield client
    client.close()


def _schedule(ehr: EhrClient, app_id: str, key: str, **over: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "round": 2,
        "kind": "onsite",
        "scheduled_at": NOW + timedelta(days=1),
        "duration_minutes": 60,
        "interviewer_ids": ["st-iv-1", "st-iv-2"],
        "location": "Room 2",
        "meeting_url": None,
        "actor_staff_id": "st-1",
        "idempotency_key": key,
        **over,
    }
    return ehr.schedule_round(app_id, **args)


def _writebacks(demo: str, **match: str) -> list[dict[str, Any]]:
    answer = requests.get(f"{demo}/_demo/decisions", timeout=10).json()["decisions"]
    return [d for d in answer if all(d.get(k) == v for k, v in match.items())]


def test_schedule_round_answers_the_new_interview_once_per_key(ehr: EhrClient, demo: str) -> None:
    first = _schedule(ehr, "app-1", "sched-app-1")
    again = _schedule(ehr, "app-1", "sched-app-1")
    assert again == first
    assert (first["application_id"], first["round"], first["kind"]) == ("app-1", 2, "onsite")
    assert (first["status"], first["duration_minutes"]) == ("scheduled", 60)
    assert first["interviewer_ids"] == ["st-iv-1", "st-iv-2"]
    assert datetime.fromisoformat(first["scheduled_at"]) == NOW + timedelta(days=1)
    assert len(_writebacks(demo, application_id="app-1")) == 1
    # The EHR also emits the new interview as an event.
    feed = ehr.fetch_changes(after=None, limit=5000).events
    assert [e["data"]["version"] for e in feed if e["data"]["id"] == first["id"]] == [1]


@pytest.mark.parametrize(
    ("app_id", "over", "error"),
    [
        ("app-1", {}, EhrConflict),  # round 2 exists (another key)
        ("app-closed", {}, EhrConflict),
        ("app-none", {}, EhrNotFound),
        ("app-2", {"kind": "ai"}, EhrBadRequest),
        ("app-2", {"interviewer_ids": ["st-nobody"]}, EhrBadRequest),
        ("app-2", {"duration_minutes": 0}, EhrBadRequest),
    ],
    ids=["round-exists", "closed", "unknown", "ai-kind", "unknown-staff", "no-duration"],
)
def test_schedule_round_refusals(
    ehr: EhrClient, app_id: str, over: dict[str, Any], error: type[Exception]
) -> None:
    _schedule(ehr, "app-1", "sched-app-1")
    with pytest.raises(error) as caught:
        _schedule(ehr, app_id, f"other-{app_id}-{sorted(over)}", **over)
    if app_id == "app-1":
        current = caught.value.current("interview")  # type: ignore[attr-defined]
        assert current is not None and current["application_id"] == "app-1"


def test_reschedule_moves_the_round_and_a_cancelled_one_is_a_conflict(ehr: EhrClient) -> None:
    iv = _schedule(ehr, "app-3", "sched-app-3")
    later = NOW + timedelta(days=2)
    args: dict[str, Any] = {
        "scheduled_at": later,
        "duration_minutes": 45,
        "location": None,
        "meeting_url": "https://meet.example/r2",
        "actor_id": "st-1",
        "reason": "候选人请求",
        "idempotency_key": "move-app-3",
    }
    moved = ehr.reschedule_interview(iv["id"], **args)
    assert ehr.reschedule_interview(iv["id"], **args) == moved  # one change per key
    assert moved["version"] == iv["version"] + 1
    assert datetime.fromisoformat(moved["scheduled_at"]) == later
    assert (moved["duration_minutes"], moved["location"]) == (45, "Room 2")  # location kept
    assert moved["meeting_url"] == "https://meet.example/r2"
    cancelled = ehr.cancel_interview(
        iv["id"], reason="岗位已招满", actor_staff_id="st-1", idempotency_key="cancel-app-3"
    )
    assert (cancelled["status"], cancelled["cancel_reason"]) == ("cancelled", "岗位已招满")
    assert cancelled["version"] == moved["version"] + 1
    with pytest.raises(EhrConflict) as caught:
        ehr.cancel_interview(
            iv["id"], reason="again", actor_staff_id="st-1", idempotency_key="cancel-app-3b"
        )
    assert caught.value.current("interview")["status"] == "cancelled"  # type: ignore[index]
    with pytest.raises(EhrConflict):
        ehr.reschedule_interview(iv["id"], **{**args, "idempotency_key": "move-app-3b"})
    with pytest.raises(EhrNotFound):
        ehr.reschedule_interview("iv-none", **{**args, "idempotency_key": "move-none"})
    with pytest.raises(EhrNotFound):
        ehr.cancel_interview("iv-none", reason="x", actor_staff_id="st-1", idempotency_key="c-n")


def _feedback(ehr: EhrClient, iv_id: str, key: str, **over: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "staff_id": "st-iv-1",
        "result": "pass",
        "ratings": RATINGS,
        "comment": "表达清楚",
        "idempotency_key": key,
        **over,
    }
    return ehr.submit_feedback(iv_id, **args)


def test_feedback_only_from_an_assigned_interviewer_once_the_round_has_begun(
    ehr: EhrClient,
) -> None:
    future = _schedule(ehr, "app-4", "sched-app-4")
    with pytest.raises(EhrConflict, match="409"):
        _feedback(ehr, future["id"], "fb-too-early")
    begun = _schedule(ehr, "app-5", "sched-app-5", scheduled_at=NOW - timedelta(hours=2))
    with pytest.raises(EhrConflict):
        _feedback(ehr, begun["id"], "fb-not-theirs", staff_id="st-1")
    first = _feedback(ehr, begun["id"], "fb-1")
    assert _feedback(ehr, begun["id"], "fb-1") == first  # a double submit is one
    assert (first["interview_id"], first["staff_id"], first["result"]) == (
        begun["id"],
        "st-iv-1",
        "pass",
    )
    assert (first["version"], first["ratings"], first["comment"]) == (1, RATINGS, "表达清楚")
    # A later change by the same interviewer is a new version of the same feedback.
    changed = _feedback(ehr, begun["id"], "fb-2", result="hold")
    assert (changed["id"], changed["version"], changed["result"]) == (first["id"], 2, "hold")
    with pytest.raises(EhrNotFound):
        _feedback(ehr, "iv-none", "fb-none")
    with pytest.raises(EhrBadRequest):
        _feedback(ehr, begun["id"], "fb-bad", result="maybe")
