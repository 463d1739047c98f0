"""End to end against the DingTalk sandbox: the clock's cards really reach people's chats."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sqlalchemy.orm import Session

from clients.dingtalk import make_dingtalk_client
from jobs import context
from jobs.notify import deliver_outbox_event
from sandbox.dingtalk.testing import running_sandbox
from services.clock.no_show import no_show_rules_from_settings, sweep_no_show_alerts
from services.clock.reminders import ReminderRules, sweep_reminders
from services.notify.policy import policy_from_settings
from storage.models import Interview
from storage.runtime import Runtime
from storage.sync_models import OutboxEvent
from tests.clock.conftest import WED, at, invite, outbox
from tests.conftest import make_test_settings


@pytest.fixture(scope="module")
def sandbox() -> Iterator[str]:
    with running_sandbox() as url:
        yield url


@pytest.fixture
def worker(runtime: Runtime, sandbox: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The worker's context aimed at the sandbox, as `python -m jobs.worker` builds it."""
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


def _cards(sandbox: str, userid: str) -> list[dict[str, Any]]:
    answer = requests.get(sandbox + "/_sim/cards", params={"userid": userid}, timeout=10)
    return list(answer.json()["cards"])


def test_reminder_cards_reach_the_candidate_and_the_hr_owners(
    worker: str, org: Session, rules: ReminderRules, runtime: Runtime
) -> None:
    invite(org, 1, invited_at=at(WED, 10), deadline_at=at(WED, 72))
    sweep_reminders(org, now=at(WED, 20), rules=rules)  # not yet due
    sweep_reminders(org, now=at(WED, 22), rules=rules)  # due, but held: quiet hours
    assert outbox(org, "reminder.due") == []
    sweep_reminders(org, now=at(WED, 33), rules=rules)  # Thursday 09:00: released
    [event] = outbox(org, "reminder.due")
    assert deliver_outbox_event(event.id) == 1
    [card] = _cards(worker, "cand_01")
    templates = runtime.settings.DINGTALK_CARD_TEMPLATES
    assert card["template_id"] == templates["invite_reminder"]
    assert card["public"]["candidate_name"] == "候选人1"
    assert card["public"]["interview_url"] == "https://ehr.example/ai/1"
    assert deliver_outbox_event(event.id) == 0  # a redelivered job sends nothing twice

    sweep_reminders(org, now=at(WED, 34), rules=rules)  # 24 h after the invitation
    [_, follow_up] = outbox(org, "reminder.due")
    assert deliver_outbox_event(follow_up.id) == 2
    for hr in ("hr_lina", "hr_wangqiang"):
        [hr_card] = _cards(worker, hr)
        assert hr_card["template_id"] == templates["not_attended_hr"]
        assert hr_card["public"]["interview_id"] == "i-1"
        assert hr_card["public"]["reminders_sent"] == "1"


def test_nothing_is_sent_when_the_candidate_attended_before_delivery(
    worker: str, org: Session, rules: ReminderRules
) -> None:
    invite(org, 1, invited_at=at(WED, 8), deadline_at=at(WED, 72))
    sweep_reminders(org, now=at(WED, 20), rules=rules)
    [event] = outbox(org, "reminder.due")
    org.get(Interview, "i-1").status = "attended"  # type: ignore[union-attr]
    org.commit()
    assert deliver_outbox_event(event.id) == 0
    assert _cards(worker, "cand_01") == []


def test_the_no_show_alert_reaches_managers_and_hr_with_names(
    worker: str, org: Session, runtime: Runtime
) -> None:
    for n in range(1, 11):
        status = "invited" if n > 8 else "attended"
        invite(org, n, invited_at=at(WED, 0), deadline_at=at(WED, 20), status=status)
    sweep_no_show_alerts(org, now=at(WED, 21), rules=no_show_rules_from_settings(runtime.settings))
    [event] = outbox(org, "alert.no_show_rate")
    assert deliver_outbox_event(event.id) == 3
    for user in ("mgr_zhaomin", "hr_lina", "hr_wangqiang"):
        [card] = _cards(worker, user)
        assert card["public"]["no_show_count"] == "2"
        assert card["public"]["invited_count"] == "10"
        assert set(card["public"]["names"].split("、")) == {"候选人9", "候选人10"}


def test_a_missing_requirement_sends_the_candidate_a_to_do_card(worker: str, org: Session) -> None:
    invite(org, 1, invited_at=at(WED, 0), deadline_at=None, requirements=(("health", "missing"),))
    org.add(
        OutboxEvent(
            kind="requirement.status_changed",
            entity_kind="application",
            entity_id="a-1",
            entity_version=2,
            dedupe_key="requirement.status_changed:a-1:health:v2",
            payload={"requirement_key": "health", "before": None, "after": {"status": "missing"}},
        )
    )
    org.commit()
    [event] = outbox(org, "requirement.status_changed")
    assert deliver_outbox_event(event.id) == 1
    [card] = _cards(worker, "cand_01")
    assert card["public"]["requirement_id"] == "a-1:health"
    assert card["public"]["requirement"] == "health label"
    assert card["public"]["status"] == ""  # the template's "to do" state, upload buttons shown


def test_a_submitted_requirement_asks_the_hr_owners_to_review_it(
    worker: str, org: Session, runtime: Runtime
) -> None:
    invite(org, 1, invited_at=at(WED, 0), deadline_at=None, requirements=(("health", "submitted"),))
    org.add(
        OutboxEvent(
            kind="requirement.status_changed",
            entity_kind="application",
            entity_id="a-1",
            entity_version=3,
            dedupe_key="requirement.status_changed:a-1:health:v3",
            payload={
                "requirement_key": "health",
                "before": {"status": "missing"},
                "after": {"status": "submitted"},
            },
        )
    )
    org.commit()
    [event] = outbox(org, "requirement.status_changed")
    assert deliver_outbox_event(event.id) == 2  # no to-do card was ever sent: none to update
    assert _cards(worker, "cand_01") == []
    for hr in ("hr_lina", "hr_wangqiang"):
        [card] = _cards(worker, hr)
        assert (
            card["template_id"] == runtime.settings.DINGTALK_CARD_TEMPLATES["requirement_review_hr"]
        )
        assert card["public"]["requirement_id"] == "a-1:health"
        assert card["public"]["decision"] == ""


def test_a_follow_up_action_updates_every_hr_copy_of_the_card(
    worker: str, org: Session, rules: ReminderRules, runtime: Runtime
) -> None:
    from datetime import UTC, datetime

    from services.card_actions.handle import handle_card_action

    invite(org, 1, invited_at=at(WED, 10), deadline_at=at(WED, 72))
    sweep_reminders(org, now=at(WED, 34), rules=rules)  # the HR follow-up is due
    [follow_up] = [e for e in outbox(org, "reminder.due") if e.payload["kind"] != "invite_unopened"]
    assert deliver_outbox_event(follow_up.id) == 2
    [lina_card] = _cards(worker, "hr_lina")

    result = handle_card_action(
        org,
        out_track_id=lina_card["out_track_id"],
        user_id="hr_lina",
        action="remind",
        params={"action": "remind", "interview_id": "i-1"},
        now=datetime.now(UTC),
    )
    assert result.card_data.get("decision") == "remind"
    [manual] = outbox(org, "reminder.manual")
    assert manual.payload["source_out_track_id"] == lina_card["out_track_id"]
    deliver_outbox_event(manual.id)

    [wang_card] = _cards(worker, "hr_wangqiang")  # the colleague's copy, updated in place
    assert wang_card["public"]["decision"] == "remind"
    assert wang_card["public"]["decided_by"] == "李娜"
    assert wang_card["public"]["decision_label"] == "已再次提醒"
    [reminder] = _cards(worker, "cand_01")  # and the candidate got the reminder itself
    assert reminder["public"]["candidate_name"] == "候选人1"
