"""Contract v1.1's `training_progress` and `performance_review` in the cache: applied like any
kind (versions, held parents, history), the contract's `updated_at` kept apart from the cache's
own, on PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from sandbox.ehr import events as ev
from services.ehr.sync import IngestResult, ingest_events
from storage.models import PerformanceReview, TrainingProgress
from storage.runtime import Runtime
from storage.sync_models import ChangeHistory, EhrEvent
from tests.ehr.conftest import org_events

NOW = datetime(2026, 12, 20, 9, 0, tzinfo=UTC)


def _ingest(runtime: Runtime, events: list[dict[str, Any]]) -> IngestResult:
    with runtime.session_factory() as session:
        return ingest_events(session, events, source="push", received_at=NOW)


def test_training_progress_applies_with_versions_and_keeps_its_own_updated_at(
    any_runtime: Runtime,
) -> None:
    parents = [*org_events(), ev.event("application", ev.application("app-1", stage="hired"))]
    first = ev.training_progress("tp-1", completion=40)
    later = ev.training_progress(
        "tp-1", 2, completion=85, exam_score=66, updated_at="2027-01-02T03:04:05+00:00"
    )
    assert _ingest(any_runtime, [*parents, ev.event("training_progress", first)]).rejected == []
    _ingest(any_runtime, [ev.event("training_progress", later)])
    # A stale version changes nothing.
    _ingest(any_runtime, [ev.event("training_progress", ev.training_progress("tp-1", 1))])
    with any_runtime.session_factory() as session:
        row = session.get(TrainingProgress, "tp-1")
        assert row is not None
        assert (row.version, row.completion, row.exam_score) == (2, 85, 66)
        assert row.reported_at == datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC)
        assert row.updated_at != row.reported_at  # the cache's own time, not the EHR's
        history = session.scalars(
            select(ChangeHistory.operation)
            .where(ChangeHistory.entity_kind == "training_progress")
            .order_by(ChangeHistory.id)
        ).all()
        assert history == ["created", "updated", "stale"]


def test_a_review_before_its_application_is_held_then_applied(any_runtime: Runtime) -> None:
    review = ev.event("performance_review", ev.performance_review("pr-1", score=77.5))
    result = _ingest(any_runtime, [*org_events(), review])
    assert result.rejected == []
    with any_runtime.session_factory() as session:
        assert session.get(PerformanceReview, "pr-1") is None
        state = session.scalar(select(EhrEvent.state).where(EhrEvent.id == review["id"]))
        assert state == "held"
    _ingest(any_runtime, [ev.event("application", ev.application("app-1", stage="hired"))])
    with any_runtime.session_factory() as session:
        row = session.get(PerformanceReview, "pr-1")
        assert row is not None and (row.period, row.score) == ("probation", 77.5)


def test_out_of_range_values_are_rejected() -> None:
    from services.ehr.contract import Rejection, parse_event

    bad = ev.event("training_progress", ev.training_progress("tp-9", completion=101))
    parsed = parse_event(bad)
    assert isinstance(parsed, Rejection) and "completion" in parsed.reason
    bad = ev.event("performance_review", ev.performance_review("pr-9", score=-1))
    assert isinstance(parse_event(bad), Rejection)
