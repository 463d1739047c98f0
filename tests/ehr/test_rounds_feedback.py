"""Contract v1.1 in the cache: a round's fields and interviewers, the `feedback` kind, their
history, held parents and outbox rows, on PostgreSQL (bulk statements) and SQLite (Core)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from sandbox.ehr import events as ev
from services.ehr.sync import IngestResult, ingest_events
from storage import vocabulary as v
from storage.models import Feedback, Interview, InterviewInterviewer
from storage.runtime import Runtime
from storage.sync_models import ChangeHistory, EhrEvent, OutboxEvent
from tests.ehr.conftest import org_events

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _ingest(runtime: Runtime, events: list[dict[str, Any]]) -> IngestResult:
    with runtime.session_factory() as session:
        return ingest_events(session, events, source="push", received_at=NOW)


def _parents() -> list[dict[str, Any]]:
    return [
        *org_events(),
        ev.event("staff", ev.staff("st-iv-1", role="interviewer")),
        ev.event("staff", ev.staff("st-iv-2", role="interviewer")),
        ev.event("application", ev.application("app-1", stage="interview")),
    ]


def _outbox(runtime: Runtime) -> list[OutboxEvent]:
    with runtime.session_factory() as session:
        return list(session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)))


def test_a_round_applies_with_its_fields_and_interviewers_and_keeps_history(
    any_runtime: Runtime,
) -> None:
    first = ev.round_interview("iv-2", interviewer_ids=("st-iv-1", "st-iv-2"))
    moved = ev.round_interview(
        "iv-2", 2, interviewer_ids=("st-iv-2",), location="Room 5", duration_minutes=90
    )
    result = _ingest(any_runtime, [*_parents(), ev.event("interview", first, event_id="e-1")])
    assert result.rejected == []
    _ingest(any_runtime, [ev.event("interview", moved, event_id="e-2")])
    with any_runtime.session_factory() as session:
        iv = session.get(Interview, "iv-2")
        assert iv is not None and iv.version == 2
        assert (iv.kind, iv.round, iv.status) == ("onsite", 2, "scheduled")
        assert (iv.duration_minutes, iv.location, iv.meeting_url) == (90, "Room 5", None)
        # The link rows were replaced, not added to.
        assert iv.interviewer_ids == ["st-iv-2"]
        links = session.scalars(select(InterviewInterviewer.staff_id)).all()
        assert links == ["st-iv-2"]
        history = session.scalars(
            select(ChangeHistory)
            .where(ChangeHistory.entity_id == "iv-2")
            .order_by(ChangeHistory.id)
        ).all()
    assert [h.operation for h in history] == ["created", "updated"]
    changes = history[1].changes
    assert changes["interviewer_ids"] == {"before": ["st-iv-1", "st-iv-2"], "after": ["st-iv-2"]}
    assert changes["location"] == {"before": "Room 2", "after": "Room 5"}
    assert changes["duration_minutes"] == {"before": 60, "after": 90}


def test_feedback_is_held_until_its_interview_arrives_then_applied(any_runtime: Runtime) -> None:
    fb = ev.feedback("fb-1", interview_id="iv-2", staff_id="st-iv-1", result="hold")
    early = _ingest(any_runtime, [*_parents(), ev.event("feedback", fb, event_id="e-fb")])
    assert early.counts["held"] == 1
    with any_runtime.session_factory() as session:
        assert session.get(Feedback, "fb-1") is None
        held = session.get(EhrEvent, "e-fb")
        assert held is not None and held.state == "held"
        assert (held.waiting_for_kind, held.waiting_for_id) == ("interview", "iv-2")
    late = _ingest(any_runtime, [ev.event("interview", ev.round_interview("iv-2"))])
    assert late.counts["released"] == 1
    with any_runtime.session_factory() as session:
        stored = session.get(Feedback, "fb-1")
        assert stored is not None
        assert (stored.interview_id, stored.staff_id, stored.result) == ("iv-2", "st-iv-1", "hold")
        assert stored.ratings[0] == {
            "key": "communication",
            "label": "沟通表达",
            "score": 4,
            "max_score": 5,
        }
        assert stored.submitted_at == datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
        assert session.get(EhrEvent, "e-fb").state == "applied"  # type: ignore[union-attr]


def test_a_new_feedback_version_is_a_change_in_history_and_a_stale_one_is_not(
    any_runtime: Runtime,
) -> None:
    iv = ev.event("interview", ev.round_interview("iv-2"))
    v1 = ev.feedback("fb-1", interview_id="iv-2", result="hold")
    v2 = ev.feedback("fb-1", 2, interview_id="iv-2", result="pass", comment="改为通过")
    _ingest(any_runtime, [*_parents(), iv, ev.event("feedback", v1, event_id="e-v1")])
    again = _ingest(
        any_runtime,
        [ev.event("feedback", v2, event_id="e-v2"), ev.event("feedback", v1, event_id="e-old")],
    )
    assert again.counts["applied"] == 1 and again.counts["stale"] == 1
    with any_runtime.session_factory() as session:
        stored = session.get(Feedback, "fb-1")
        assert stored is not None and (stored.version, stored.result) == (2, "pass")
        ops = session.scalars(
            select(ChangeHistory.operation)
            .where(ChangeHistory.entity_kind == "feedback")
            .order_by(ChangeHistory.id)
        ).all()
    assert sorted(ops) == ["created", "stale", "updated"]  # a batch replays in version order


@pytest.mark.parametrize(
    ("kind", "data", "reason"),
    [
        ("interview", ev.round_interview("iv-9", duration_minutes=0), "duration_minutes"),
        ("interview", ev.round_interview("iv-9", duration_minutes=1441), "duration_minutes"),
        ("interview", ev.round_interview("iv-9", duration_minutes="60"), "duration_minutes"),
        ("interview", ev.round_interview("iv-9", interviewer_ids=("a", "a")), "interviewer_ids"),
        ("interview", ev.round_interview("iv-9", location="x" * 501), "location"),
        ("interview", ev.round_interview("iv-9", meeting_url="x" * 2001), "meeting_url"),
        ("feedback", ev.feedback("fb-9", result="maybe"), "result"),
        ("feedback", ev.feedback("fb-9", submitted_at=None), "submitted_at"),
        (
            "feedback",
            ev.feedback("fb-9", ratings=[{"key": "k", "label": "K", "score": 6, "max_score": 5}]),
            "max_score",
        ),
        (
            "feedback",
            ev.feedback(
                "fb-9",
                ratings=[{"key": "k", "label": "K", "score": 1, "max_score": 5}] * 2,
            ),
            "duplicate",
        ),
    ],
)
def test_v11_fields_out_of_the_contract_are_rejected_alone(
    runtime: Runtime, kind: str, data: dict[str, Any], reason: str
) -> None:
    good = ev.event("department", ev.department("d-ok"))
    result = _ingest(runtime, [ev.event(kind, data, event_id="e-bad"), good])
    assert [r["id"] for r in result.rejected] == ["e-bad"]
    assert reason in result.rejected[0]["error"]
    assert result.accepted == [good["id"]]


def test_outbox_rows_for_a_round_its_moves_its_cancellation_and_feedback(
    any_runtime: Runtime,
) -> None:
    rnd = ev.round_interview
    _ingest(any_runtime, [*_parents(), ev.event("interview", rnd("iv-2"))])
    _ingest(any_runtime, [ev.event("interview", rnd("iv-2", 2, location="Room 7"))])
    _ingest(any_runtime, [ev.event("interview", rnd("iv-2", 3, meeting_url="https://m.example/1"))])
    later = "2026-11-22T02:00:00+00:00"
    _ingest(any_runtime, [ev.event("interview", rnd("iv-2", 4, scheduled_at=later))])
    # Only the interviewers changed: not a move.
    _ingest(
        any_runtime,
        [ev.event("interview", rnd("iv-2", 5, scheduled_at=later, interviewer_ids=("st-iv-1",)))],
    )
    cancelled = rnd("iv-2", 6, scheduled_at=later, status="cancelled", cancel_reason="候选人放弃")
    _ingest(any_runtime, [ev.event("interview", cancelled)])
    _ingest(any_runtime, [ev.event("feedback", ev.feedback("fb-1", interview_id="iv-2"))])
    rows = [r for r in _outbox(any_runtime) if r.entity_kind in ("interview", "feedback")]
    assert [(r.kind, r.entity_version) for r in rows] == [
        (v.OUTBOX_ROUND_SCHEDULED, 1),
        (v.OUTBOX_INTERVIEW_RESCHEDULED, 2),
        (v.OUTBOX_INTERVIEW_RESCHEDULED, 3),
        (v.OUTBOX_INTERVIEW_RESCHEDULED, 4),
        (v.OUTBOX_INTERVIEW_CANCELLED, 6),
        (v.OUTBOX_FEEDBACK_UPSERTED, 1),
    ]
    scheduled, feedback = rows[0].payload, rows[-1].payload
    assert (scheduled["application_id"], scheduled["candidate_id"]) == ("app-1", "cand-1")
    assert scheduled["after"]["duration_minutes"] == 60
    assert {k: feedback[k] for k in ("interview_id", "feedback_id", "staff_id")} == {
        "interview_id": "iv-2",
        "feedback_id": "fb-1",
        "staff_id": "st-iv-1",
    }
    assert feedback["application_id"] == "app-1"
    # Ids only: no free text (comment, place, cancel reason) in any payload.
    text = repr([r.payload for r in rows])
    assert "沟通顺畅" not in text and "Room" not in text and "候选人放弃" not in text


@pytest.mark.parametrize(
    ("data", "scheduled"),
    [
        (ev.round_interview("iv-2"), True),
        (ev.round_interview("iv-2", status="invited"), False),  # not scheduled
        (ev.round_interview("iv-2", scheduled_at=None), False),  # a draft without a time
        (ev.interview("iv-2", status="scheduled", scheduled_at=ev.iso(NOW)), False),  # AI
    ],
    ids=["round", "not-scheduled", "no-time", "ai"],
)
def test_only_a_video_or_onsite_round_with_a_time_is_a_scheduled_round(
    runtime: Runtime, data: dict[str, Any], scheduled: bool
) -> None:
    _ingest(runtime, [*_parents(), ev.event("interview", data)])
    kinds = [r.kind for r in _outbox(runtime)]
    assert (v.OUTBOX_ROUND_SCHEDULED in kinds) is scheduled


def test_a_draft_round_given_a_time_becomes_a_scheduled_round(runtime: Runtime) -> None:
    _ingest(
        runtime, [*_parents(), ev.event("interview", ev.round_interview("iv-2", scheduled_at=None))]
    )
    _ingest(runtime, [ev.event("interview", ev.round_interview("iv-2", 2))])
    kinds = [(r.kind, r.entity_version) for r in _outbox(runtime) if r.entity_kind == "interview"]
    assert kinds == [(v.OUTBOX_ROUND_SCHEDULED, 2)]
