"""A v1.1 write-back's answer applied to the cache at once, and the EHR's own event for it
(pulled later) recorded as stale: one history change, one outbox row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from clients.ehr import EhrClient, EhrConflict
from jobs.sync import run_pull
from sandbox.ehr import events as ev
from services.ehr.answers import ANSWER_SOURCE, apply_writeback_answer
from storage import vocabulary as v
from storage.models import Feedback, Interview
from storage.runtime import Runtime
from storage.sync_models import OutboxEvent
from tests.ehr.conftest import Db, feed_events, org_events

NOW = datetime.now(UTC)


def _client(runtime: Runtime) -> EhrClient:
    return EhrClient.from_settings(runtime.settings)


def _seed(sync_runtime: Runtime, demo_ehr: str) -> None:
    feed_events(
        demo_ehr,
        [
            *org_events(),
            ev.event("staff", ev.staff("st-iv-1", role="interviewer")),
            ev.event("application", ev.application("app-1", stage="interview")),
        ],
    )
    run_pull(sync_runtime)


def _apply(runtime: Runtime, kind: str, entity: dict[str, object]) -> dict[str, int]:
    with runtime.session_factory() as session:
        return apply_writeback_answer(session, kind, entity, now=NOW).summary()


def test_a_scheduled_round_is_cached_at_once_and_the_ehrs_event_is_stale(
    sync_runtime: Runtime, demo_ehr: str, db: Db
) -> None:
    _seed(sync_runtime, demo_ehr)
    ehr = _client(sync_runtime)
    try:
        interview = ehr.schedule_round(
            "app-1",
            round=2,
            kind="video",
            scheduled_at=NOW - timedelta(minutes=5),
            duration_minutes=30,
            interviewer_ids=["st-iv-1"],
            location=None,
            meeting_url="https://meet.example/x",
            actor_staff_id="st-1",
            idempotency_key="k-1",
        )
        assert _apply(sync_runtime, "interview", interview)["applied"] == 1
        assert _apply(sync_runtime, "interview", interview)["duplicate"] == 1  # a double submit
        cached = db.get(Interview, interview["id"])
        assert (cached.kind, cached.duration_minutes, cached.interviewer_ids) == (
            "video",
            30,
            ["st-iv-1"],
        )
        feedback = ehr.submit_feedback(
            interview["id"],
            staff_id="st-iv-1",
            result="fail",
            ratings=[],
            comment=None,
            idempotency_key="k-fb",
        )
        assert _apply(sync_runtime, "feedback", feedback)["applied"] == 1
        # A 409 carries the current state: applying it changes nothing.
        with pytest.raises(EhrConflict) as caught:
            ehr.submit_feedback(
                interview["id"],
                staff_id="st-1",
                result="pass",
                ratings=[],
                comment=None,
                idempotency_key="k-fb-2",
            )
        current = caught.value.current("interview")
        assert current is not None
        assert _apply(sync_runtime, "interview", current)["applied"] == 0
    finally:
        ehr.close()
    pulled = run_pull(sync_runtime).summary()
    assert pulled["stale"] == 2 and pulled["applied"] == 0  # the EHR's own two events
    assert db.get(Feedback, feedback["id"]).result == "fail"
    kinds = [
        (r.kind, r.payload["source"])
        for r in db.outbox()
        if r.kind.startswith(("interview", "feedback"))
    ]
    assert kinds == [
        (v.OUTBOX_ROUND_SCHEDULED, ANSWER_SOURCE),
        (v.OUTBOX_FEEDBACK_UPSERTED, ANSWER_SOURCE),
    ]
    assert db.count(OutboxEvent, OutboxEvent.entity_id == interview["id"]) == 1
