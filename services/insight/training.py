"""The training follow-up: a daily sweep over new hires' courses, and HR's answers.

A course is flagged when it is past its due date with completion under the position policy's
`training_completion_min` (80 by default), or when its exam score is under `training_exam_min`
(70 by default). The due date is the backend's own (`training_followup`): the course's first
report plus the policy's `training_due_days`, or the EHR's `due_at` when its event carries one
(an extra field), and HR extends it from the card. Each threshold alerts once per crossing: the
alert's time is kept; a course back above the threshold re-arms it, and so does an extension of
the due date (for completion). An alert is an outbox row; its card goes to the position's HR
owners (services/insight/training_cards.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from services.access.visibility import Viewer, get_application_for_viewer
from services.decisions.policy import PolicyConfig, get_effective_policy
from storage.db import unit_of_work
from storage.ehr_log import add_outbox_events
from storage.insight_models import TrainingFollowup
from storage.models import Application, TrainingProgress
from storage.vocabulary import OUTBOX_TRAINING_ALERT

log = logging.getLogger(__name__)

COMPLETION = "completion"
EXAM = "exam"
THRESHOLDS = (COMPLETION, EXAM)
EXTEND_DAYS = 14


@dataclass(frozen=True)
class Breaches:
    completion: bool
    exam: bool


def breaches(
    progress: TrainingProgress, due_at: datetime, config: PolicyConfig, *, now: datetime
) -> Breaches:
    """Which thresholds the course is across now (pure): completion only once past due."""
    late = due_at < now and progress.completion < config.training_completion_min
    exam = progress.exam_score is not None and progress.exam_score < config.training_exam_min
    return Breaches(completion=late, exam=exam)


@dataclass(frozen=True)
class TrainingAction:
    application_id: str
    course_key: str
    threshold: str
    action: str  # alerted | rearmed


def _followup(
    session: Session,
    progress: TrainingProgress,
    config: PolicyConfig,
    cache: dict[tuple[str, str], TrainingFollowup],
) -> TrainingFollowup:
    key = (progress.application_id, progress.course_key)
    row = cache.get(key)
    if row is None:
        extra_due = (progress.extra or {}).get("due_at")
        start = progress.reported_at or progress.updated_at
        due = _parse(extra_due) or start + timedelta(days=config.training_due_days)
        row = TrainingFollowup(application_id=key[0], course_key=key[1], due_at=due)
        session.add(row)
        cache[key] = row
    return row


def _parse(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _alert_row(progress: TrainingProgress, threshold: str, at: datetime) -> dict[str, object]:
    return {
        "kind": OUTBOX_TRAINING_ALERT,
        "entity_kind": "training_progress",
        "entity_id": progress.id,
        "entity_version": progress.version,
        "dedupe_key": f"training:{progress.application_id}:{progress.course_key}:{threshold}:"
        f"{at.isoformat()}",
        "payload": {
            "application_id": progress.application_id,
            "course_key": progress.course_key,
            "threshold": threshold,
        },
        "state": "pending",
        "attempts": 0,
    }


def _check(
    session: Session,
    progress: TrainingProgress,
    row: TrainingFollowup,
    config: PolicyConfig,
    now: datetime,
) -> list[TrainingAction]:
    found = breaches(progress, row.due_at, config, now=now)
    actions = []
    for threshold, crossed in ((COMPLETION, found.completion), (EXAM, found.exam)):
        attribute = f"{threshold}_alerted_at"
        alerted = getattr(row, attribute)
        if crossed and alerted is None:
            setattr(row, attribute, now)
            add_outbox_events(session, [_alert_row(progress, threshold, now)])
            actions.append(TrainingAction(row.application_id, row.course_key, threshold, "alerted"))
        elif not crossed and alerted is not None:
            setattr(row, attribute, None)  # back above: the next crossing alerts again
            actions.append(TrainingAction(row.application_id, row.course_key, threshold, "rearmed"))
    return actions


def sweep_training_followup(
    session: Session, *, now: datetime, defaults: PolicyConfig
) -> list[TrainingAction]:
    """Alert HR on every course across a threshold that has not alerted yet; one unit of work."""
    actions: list[TrainingAction] = []
    with unit_of_work(session):
        rows = session.execute(
            select(TrainingProgress, Application.position_id)
            .join(Application, Application.id == TrainingProgress.application_id)
            .where(TrainingProgress.deleted.is_(false()), Application.deleted.is_(false()))
            .order_by(TrainingProgress.application_id, TrainingProgress.course_key)
        ).all()
        cache = {
            (f.application_id, f.course_key): f
            for f in session.scalars(select(TrainingFollowup).with_for_update())
        }
        policies: dict[str, PolicyConfig] = {}
        for progress, position_id in rows:
            if position_id not in policies:
                policies[position_id] = get_effective_policy(
                    session, position_id, defaults=defaults
                ).config
            config = policies[position_id]
            row = _followup(session, progress, config, cache)
            session.flush()
            actions += _check(session, progress, row, config, now)
    for a in actions:
        log.info(
            "training follow-up %s",
            a.action,
            extra={
                "ctx": {
                    "application": a.application_id,
                    "course": a.course_key,
                    "threshold": a.threshold,
                }
            },
        )
    return actions


@dataclass(frozen=True)
class CourseFollowup:
    course_key: str
    course_title: str
    completion: float
    exam_score: float | None
    due_at: datetime | None  # None until the sweep has seen the course
    late: bool
    exam_low: bool
    coaching_added_at: datetime | None
    note: str | None


def list_training_for_viewer(
    session: Session, viewer: Viewer, application_id: str, *, now: datetime, defaults: PolicyConfig
) -> list[CourseFollowup]:
    """The new hire's courses with their flags, for HR."""
    application = get_application_for_viewer(session, viewer, application_id)
    config = get_effective_policy(session, application.position_id, defaults=defaults).config
    followups = {
        f.course_key: f
        for f in session.scalars(
            select(TrainingFollowup).where(TrainingFollowup.application_id == application.id)
        )
    }
    out = []
    for p in session.scalars(
        select(TrainingProgress)
        .where(
            TrainingProgress.application_id == application.id, TrainingProgress.deleted.is_(false())
        )
        .order_by(TrainingProgress.course_key)
    ):
        f = followups.get(p.course_key)
        found = breaches(p, f.due_at, config, now=now) if f else Breaches(False, False)
        exam_low = p.exam_score is not None and p.exam_score < config.training_exam_min
        out.append(
            CourseFollowup(
                p.course_key, p.course_title, p.completion, p.exam_score,
                f.due_at if f else None, found.completion, exam_low,
                f.coaching_added_at if f else None, f.note if f else None,
            )
        )  # fmt: skip
    session.rollback()  # read only
    return out


def answer_training_alert(
    session: Session,
    *,
    application_id: str,
    course_key: str,
    action: str,
    actor_staff_id: str,
    now: datetime,
    note: str | None = None,
) -> TrainingFollowup | None:
    """Record HR's answer to a training alert (coaching, extend, note) inside the caller's
    transaction; None when the course has no follow-up row."""
    row = session.get(TrainingFollowup, (application_id, course_key), with_for_update=True)
    if row is None:
        return None
    if action == "coaching":
        row.coaching_added_at = row.coaching_added_at or now
    elif action == "extend":
        row.due_at = max(row.due_at, now) + timedelta(days=EXTEND_DAYS)
        row.completion_alerted_at = None  # a new due date: a new crossing alerts again
    elif action == "note":
        row.note = (note or "")[:2000] or row.note
    row.updated_by, row.updated_at = actor_staff_id, now
    session.flush()
    return row
