"""The training follow-up: thresholds at their edges, once per crossing (re-armed by a recovery
or a new due date), the alert card reaching the HR owners through the DingTalk sandbox, and the
card's three buttons."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from clients.dingtalk import make_dingtalk_client
from jobs import context
from jobs.notify import deliver_outbox_event
from sandbox.dingtalk.testing import running_sandbox
from services.card_actions.handle import handle_card_action
from services.decisions.policy import PolicyConfig
from services.insight.training import sweep_training_followup
from services.notify.policy import policy_from_settings
from storage.action_models import Delivery
from storage.insight_models import TrainingFollowup
from storage.models import Staff, TrainingProgress
from storage.runtime import Runtime
from storage.sync_models import OutboxEvent
from tests.clock.conftest import build_org
from tests.conftest import make_test_settings

REPORTED = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
DUE = REPORTED + timedelta(days=30)  # the default policy's training_due_days
DEFAULTS = PolicyConfig()


@pytest.fixture
def org(session: Session) -> Session:
    build_org(session)
    from tests import factories as f

    f.application(session, "a-1", "c-1", "p-1", stage="hired")
    session.commit()
    return session


def _course(s: Session, completion: float, exam: float | None = None, key: str = "safety") -> None:
    row = s.scalars(
        select(TrainingProgress).where(TrainingProgress.course_key == key)
    ).first() or TrainingProgress(
        id=f"tp-{key}", version=0, application_id="a-1", course_key=key, course_title="门店安全",
        reported_at=REPORTED,
    )  # fmt: skip
    row.version += 1
    row.completion, row.exam_score = completion, exam
    s.add(row)
    s.commit()


def _alerts(s: Session) -> list[tuple[str, str]]:
    rows = s.scalars(
        select(OutboxEvent).where(OutboxEvent.kind == "training.alert_due").order_by(OutboxEvent.id)
    )
    return [(r.payload["course_key"], r.payload["threshold"]) for r in rows]


def _sweep(s: Session, now: datetime) -> list[str]:
    return [
        f"{a.threshold}:{a.action}" for a in sweep_training_followup(s, now=now, defaults=DEFAULTS)
    ]


@pytest.mark.parametrize(
    ("completion", "now", "alerted"),
    [
        (79.9, DUE + timedelta(seconds=1), True),
        (80.0, DUE + timedelta(seconds=1), False),  # at the threshold is not under it
        (79.9, DUE, False),  # due, not past due
        (10.0, DUE - timedelta(days=1), False),
    ],
)
def test_completion_alerts_only_past_due_and_under_80(
    org: Session, completion: float, now: datetime, alerted: bool
) -> None:
    _course(org, completion)
    assert _sweep(org, now) == (["completion:alerted"] if alerted else [])
    assert org.get(TrainingFollowup, ("a-1", "safety")).due_at == DUE  # type: ignore[union-attr]


@pytest.mark.parametrize(("exam", "alerted"), [(69.9, True), (70.0, False), (None, False)])
def test_exam_alerts_under_70_whatever_the_due_date(
    org: Session, exam: float | None, alerted: bool
) -> None:
    _course(org, 100, exam)
    assert _sweep(org, REPORTED) == (["exam:alerted"] if alerted else [])


def test_each_threshold_alerts_once_per_crossing(org: Session) -> None:
    _course(org, 50, 60)
    late = DUE + timedelta(days=1)
    assert sorted(_sweep(org, late)) == ["completion:alerted", "exam:alerted"]
    assert _sweep(org, late + timedelta(days=1)) == []  # still across: no second alert
    _course(org, 50, 75)  # the exam retaken and passed: re-armed
    assert _sweep(org, late + timedelta(days=2)) == ["exam:rearmed"]
    _course(org, 50, 65)  # failed again: a new crossing
    assert _sweep(org, late + timedelta(days=3)) == ["exam:alerted"]
    assert _alerts(org) == [("safety", "completion"), ("safety", "exam"), ("safety", "exam")]


def test_the_policy_sets_the_thresholds_and_the_due_days(org: Session) -> None:
    from services.access.visibility import Viewer
    from services.decisions.policy_admin import update_policy

    admin = Viewer(dingtalk_user_id="admin_chengang", staff_id="st-admin", staff_role="admin")
    config = PolicyConfig(training_completion_min=50, training_exam_min=90, training_due_days=10)
    update_policy(org, admin, "p-1", config, now=REPORTED)
    _course(org, 60, 85)
    assert _sweep(org, REPORTED + timedelta(days=11)) == ["exam:alerted"]  # 60 >= 50: on track


@pytest.fixture(scope="module")
def sandbox() -> Iterator[str]:
    with running_sandbox() as url:
        yield url


@pytest.fixture
def worker(runtime: Runtime, sandbox: str, monkeypatch: pytest.MonkeyPatch) -> str:
    settings = make_test_settings(
        runtime.settings.require("DATABASE_URL"),
        runtime.settings.require("REDIS_URL"),
        DINGTALK_API_BASE=sandbox,
        DINGTALK_OAPI_BASE=sandbox,
    )
    monkeypatch.setattr(runtime, "settings", settings)
    ctx = context.WorkerContext(
        runtime=runtime,
        dingtalk=make_dingtalk_client(settings, runtime.redis),
        notify_policy=policy_from_settings(settings),
    )
    monkeypatch.setattr(context, "_context", ctx)
    requests.post(sandbox + "/_sim/reset", timeout=10)
    return sandbox


def _click(runtime: Runtime, user: str, track: str, action: str, **params: Any) -> Any:
    with runtime.session_factory() as s:
        return handle_card_action(
            s, out_track_id=track, user_id=user, action=action,
            params={"action": action, **params}, now=DUE + timedelta(days=2), lang="en",
        )  # fmt: skip


def test_the_alert_card_reaches_the_hr_owners_and_its_buttons_work(
    worker: str, org: Session, runtime: Runtime
) -> None:
    _course(org, 55)
    _sweep(org, DUE + timedelta(days=1))
    [event] = org.scalars(select(OutboxEvent).where(OutboxEvent.kind == "training.alert_due"))
    assert deliver_outbox_event(event.id) == 2
    cards = {}
    for hr in ("hr_lina", "hr_wangqiang"):
        [card] = requests.get(worker + "/_sim/cards", params={"userid": hr}, timeout=10).json()[
            "cards"
        ]
        assert card["template_id"] == "mi-training-alert-hr-v1.schema"
        assert card["public"]["course_title"] == "门店安全"
        assert card["public"]["completion"] == "55"
        assert card["public"]["reason"] == "逾期未完成：完成率 55%"
        cards[hr] = card
    track = org.scalars(
        select(Delivery.out_track_id).where(Delivery.outbox_id == event.id).order_by(Delivery.id)
    ).first()
    assert track is not None
    # Extend: the due date moves 14 days past now; a double click is one extension.
    done = _click(runtime, "hr_lina", track, "training_extend", course_key="safety")
    assert done.outcome == "done" and done.card_data["decided_by"] == "李娜"
    assert done.card_data["followup"] == "extend"
    again = _click(runtime, "hr_lina", track, "training_extend", course_key="safety")
    assert again.outcome == "duplicate"
    with runtime.session_factory() as s:
        row = s.get(TrainingFollowup, ("a-1", "safety"))
        assert row is not None and row.due_at == DUE + timedelta(days=16)
        assert row.completion_alerted_at is None and row.updated_by == "st-hr"
    # The co-owner's copy of the same alert: the extension is done already, not done twice.
    other = org.scalars(
        select(Delivery.out_track_id).where(
            Delivery.outbox_id == event.id, Delivery.out_track_id != track
        )
    ).first()
    assert other is not None
    twice = _click(runtime, "hr_wangqiang", other, "training_extend", course_key="safety")
    assert twice.outcome == "duplicate" and twice.message == "Already done: Due date extended"
    coaching = _click(runtime, "hr_wangqiang", other, "training_coaching", course_key="safety")
    assert coaching.outcome == "done" and coaching.message == "Coaching added"
    note = _click(runtime, "hr_lina", track, "training_note", course_key="safety", note="on_leave")
    assert note.outcome == "done"
    with runtime.session_factory() as s:
        row = s.get(TrainingFollowup, ("a-1", "safety"))
        assert row is not None and row.note == "on_leave" and row.coaching_added_at is not None
    # Someone outside the position's scope may not answer (another department's manager).
    outsider = _click(runtime, "admin_chengang_nope", track, "training_coaching")
    assert outsider.outcome == "not_permitted"


def test_the_application_page_lists_the_courses_with_their_flags(
    org: Session, runtime: Runtime
) -> None:
    from tests import factories as f
    from tests.insight.conftest import client_with

    _course(org, 55, 60)
    _course(org, 100, 95, key="service")
    _sweep(org, REPORTED)  # the sweep sets the due dates; make one of them yesterday
    safety = org.get(TrainingFollowup, ("a-1", "safety"))
    assert safety is not None
    safety.due_at = datetime.now(UTC) - timedelta(days=1)
    org.commit()
    client, other = client_with(runtime)
    try:
        hr = org.get(Staff, "st-hr")
        body = client.get(
            "/api/v1/hr/applications/a-1/training",
            headers=f.bearer(f.token_for(staff_row=hr)),
        ).get_json()
    finally:
        other.run_closers()
    flags = {i["course_key"]: (i["late"], i["exam_low"]) for i in body["items"]}
    assert flags == {"safety": (True, True), "service": (False, False)}
