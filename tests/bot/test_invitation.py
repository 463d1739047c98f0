"""The invitation card and "I need more time", end to end: EHR webhook -> outbox -> RQ job ->
real SDK -> DingTalk sandbox; clicks from the sandbox -> real `python -m bot.listener` ->
database -> jobs -> demo EHR and every card concerned."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from cards.builders import fmt_time
from sandbox.ehr import events as ev
from storage.action_models import Delivery
from storage.models import Interview
from storage.runtime import Runtime
from storage.sync_models import OutboxEvent
from storage.vocabulary import (
    OUTBOX_DEADLINE_EXTENDED,
    OUTBOX_DEADLINE_KEPT,
    OUTBOX_MORE_TIME_REQUESTED,
)
from tests import factories as f
from tests.bot.conftest import run_jobs
from tests.bot.scenario import HR_LI, HR_WANG, NOW, seed_people
from tests.notify.conftest import make_push
from tests.support.servers import LocalHttp
from web import create_app

INVITATION = "mi-invitation-v1.schema"
MORE_TIME_HR = "mi-more-time-hr-v1.schema"
CANDIDATE = "cand_01"


def interview_event(version: int, status: str = "invited", **over: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "invited_at": ev.iso(NOW - timedelta(hours=1)),
        "deadline_at": ev.iso(NOW + timedelta(hours=30)),
        "duration_minutes": 30,
        **over,
    }
    data = ev.interview("iv-1", version, application_id="app-1", status=status, **fields)
    return ev.event("interview", data, event_id=f"evt-iv-1-v{version}")


@pytest.fixture
def people(bot_runtime: Runtime, ehr: LocalHttp) -> Runtime:
    """The demo org in the cache, app-1 of 张伟 and app-2 of 王芳; the demo EHR knows iv-1."""
    seed_people(bot_runtime)
    with bot_runtime.session_factory() as s:
        f.application(s, "app-1", "cand-01", "pos-store-night")
        f.application(s, "app-2", "cand-02", "pos-store-night")
        s.commit()
    ehr.post("/_demo/events", {"events": [interview_event(1)], "push": False})
    return bot_runtime


def push(runtime: Runtime, events: list[dict[str, Any]]) -> None:
    client = create_app(runtime=runtime, test_config={"TESTING": True}).test_client()
    make_push(client, runtime.settings.require("EHR_WEBHOOK_SECRET"))(events)
    run_jobs(runtime)


def cards(sim: LocalHttp, userid: str, template: str) -> list[dict[str, Any]]:
    found = sim.get("/_sim/cards", params={"userid": userid})["cards"]
    return [c for c in found if c["template_id"] == template]


def press(sim: LocalHttp, card: str, user: str, action: str, **params: str) -> dict[str, Any]:
    body = {"userid": user, "action_ids": [action], "params": {"action": action, **params}}
    result: dict[str, Any] = sim.post(f"/_sim/cards/{card}/click", body)
    assert result["delivered"], result
    return result


def rows(runtime: Runtime, kind: str) -> list[OutboxEvent]:
    with runtime.session_factory() as s:
        return list(s.scalars(select(OutboxEvent).where(OutboxEvent.kind == kind)))


def track(runtime: Runtime, purpose: str, recipient_id: str) -> str:
    with runtime.session_factory() as s:
        found = s.scalars(
            select(Delivery.out_track_id).where(
                Delivery.purpose == purpose, Delivery.recipient_id == recipient_id
            )
        ).first()
        assert found is not None, (purpose, recipient_id)
        return found


def test_the_invitation_arrives_once_per_invitation_and_never_for_a_draft(
    people: Runtime, sim: LocalHttp
) -> None:
    draft = ev.interview("iv-2", application_id="app-2", status="scheduled")
    push(people, [interview_event(1), ev.event("interview", draft)])

    [card] = cards(sim, CANDIDATE, INVITATION)
    assert card["public"]["position"] == "门店店员（夜班）"
    assert card["public"]["interview_kind"] == "AI 面试"
    assert card["public"]["duration"] == "约 30 分钟"
    assert card["public"]["interview_url"] == "https://ehr.example/ai/iv-1"
    assert card["public"]["more_time"] == ""
    assert cards(sim, "cand_02", INVITATION) == []

    push(people, [interview_event(1)])  # the same EHR event again: nothing new
    assert len(cards(sim, CANDIDATE, INVITATION)) == 1

    # Missed, then invited again with a new invitation: a second card.
    later = ev.iso(NOW)
    push(people, [interview_event(2, "no_show"), interview_event(3, invited_at=later)])
    assert len(cards(sim, CANDIDATE, INVITATION)) == 2


@pytest.fixture
def requested(people: Runtime, connected: LocalHttp) -> tuple[Runtime, LocalHttp]:
    """张伟 got his invitation and pressed "I need more time" (twice: one request)."""
    push(people, [interview_event(1)])
    card = track(people, "invitation", "cand-01")
    first = press(connected, card, CANDIDATE, "more_time", interview_id="iv-1")
    second = press(connected, card, CANDIDATE, "more_time", interview_id="iv-1")
    assert first["card"]["public"]["more_time"] == "requested"
    assert first["card"]["private"][CANDIDATE]["notice"] == "已发送延期申请"
    assert second["card"]["private"][CANDIDATE]["notice"] == "已申请过延期"
    assert len(rows(people, OUTBOX_MORE_TIME_REQUESTED)) == 1
    run_jobs(people)
    return people, connected


def test_more_time_reaches_every_hr_owner(requested: tuple[Runtime, LocalHttp]) -> None:
    _, sim = requested
    for user in (HR_LI, HR_WANG):
        [card] = cards(sim, user, MORE_TIME_HR)
        assert card["public"]["candidate_name"] == "张伟"
        assert card["public"]["position"] == "门店店员（夜班）"
        assert card["public"]["deadline"]
    assert cards(sim, "hr_sunli", MORE_TIME_HR) == []


def test_someone_else_cannot_ask_on_the_candidates_card(
    requested: tuple[Runtime, LocalHttp],
) -> None:
    runtime, sim = requested
    card = track(runtime, "invitation", "cand-01")
    answer = press(sim, card, "cand_02", "more_time", interview_id="iv-1")
    assert answer["card"]["private"]["cand_02"]["notice"] == "该面试已结束，无法申请延期"
    assert len(rows(runtime, OUTBOX_MORE_TIME_REQUESTED)) == 1


def test_extend_reaches_the_ehr_the_candidate_and_every_hr_copy(
    requested: tuple[Runtime, LocalHttp], ehr: LocalHttp
) -> None:
    runtime, sim = requested
    with runtime.session_factory() as s:
        before = s.get(Interview, "iv-1")
        assert before is not None and before.deadline_at is not None
        old_deadline = before.deadline_at
    li_card = track(runtime, "more_time_hr", "st-hr-li")
    answer = press(sim, li_card, HR_LI, "more_time_extend", hours="24", interview_id="iv-1")
    assert answer["card"]["public"]["decided_by"] == "李娜"
    run_jobs(runtime)  # the write-back, then the cards

    extensions = [d for d in ehr.get("/_demo/decisions")["decisions"] if d.get("interview_id")]
    assert extensions[-1]["interview_id"] == "iv-1"
    with runtime.session_factory() as s:
        after = s.get(Interview, "iv-1")
        assert after is not None and after.deadline_at == old_deadline + timedelta(hours=24)
    [colleague] = cards(sim, HR_WANG, MORE_TIME_HR)
    assert colleague["public"]["decided_by"] == "李娜"
    told = cards(sim, CANDIDATE, "mi-invite-reminder-v1.schema")
    assert told[-1]["public"]["deadline"] == fmt_time(old_deadline + timedelta(hours=24))

    # The colleague answers later on his copy: told who decided, nothing changes.
    wang_card = track(runtime, "more_time_hr", "st-hr-wang")
    late = press(sim, wang_card, HR_WANG, "more_time_keep", interview_id="iv-1")
    assert late["card"]["private"][HR_WANG]["notice"] == "已由 李娜 处理：已延期 24 小时"
    assert rows(runtime, OUTBOX_DEADLINE_KEPT) == []
    assert len(rows(runtime, OUTBOX_DEADLINE_EXTENDED)) == 1


def test_keep_tells_the_candidate_and_every_hr_copy_and_wins_over_a_later_extend(
    requested: tuple[Runtime, LocalHttp],
) -> None:
    runtime, sim = requested
    wang_card = track(runtime, "more_time_hr", "st-hr-wang")
    answer = press(sim, wang_card, HR_WANG, "more_time_keep", interview_id="iv-1")
    assert answer["card"]["public"]["decided_by"] == "王强"
    run_jobs(runtime)

    [invitation] = cards(sim, CANDIDATE, INVITATION)
    assert invitation["public"]["more_time"] == "kept"
    assert invitation["public"]["more_time_label"] == "HR 保持原截止时间"
    [colleague] = cards(sim, HR_LI, MORE_TIME_HR)
    assert colleague["public"]["decided_by"] == "王强"

    li_card = track(runtime, "more_time_hr", "st-hr-li")
    late = press(sim, li_card, HR_LI, "more_time_extend", hours="24", interview_id="iv-1")
    assert late["card"]["private"][HR_LI]["notice"] == "已由 王强 处理：HR 保持原截止时间"
    assert rows(runtime, OUTBOX_DEADLINE_EXTENDED) == []
