"""The escalation ladder on a fake clock: an unread invitation gets a DING, then a DING by SMS
within working hours, then a to-do for each HR owner; each rung once, none in quiet hours, and
nothing more once the candidate has read the card or the DING."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select, update

from bot.actions import CardClick, answer_card_click
from jobs.escalation import escalate_unread
from sandbox.ehr import events as ev
from storage.action_models import Delivery
from storage.runtime import Runtime
from tests.digests.conftest import drain
from tests.notify.conftest import Push, Sim, install_worker_context, org_events

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 12, 8, 10, 0, tzinfo=SH)  # a Tuesday morning: the invitation is sent


@pytest.fixture
def ladder_runtime(digest_runtime: Runtime) -> Runtime:
    """Working hours 09:00-21:00 Shanghai and the default ladder (ding 4h, sms 8h, todo 4h)."""
    settings = digest_runtime.settings.model_copy(
        update={"WORKING_HOURS_START": "09:00", "WORKING_HOURS_END": "21:00"}
    )
    rt = Runtime(
        settings=settings,
        engine=digest_runtime.engine,
        session_factory=digest_runtime.session_factory,
        redis=digest_runtime.redis,
    )
    install_worker_context(rt)
    return rt


def _invite(push: Push, rt: Runtime, n: int, user: str) -> Delivery:
    """An AI-interview invitation to candidate n, delivered, and dated T0."""
    now = datetime.now(UTC)
    push(org_events())
    push(
        [
            ev.event("candidate", ev.candidate(f"cand-e{n}", dingtalk_user_id=user)),
            ev.event(
                "application",
                ev.application(
                    f"app-e{n}", candidate_id=f"cand-e{n}", position_id="pos-store-night"
                ),
            ),
            ev.event(
                "interview",
                ev.interview(
                    f"iv-e{n}",
                    application_id=f"app-e{n}",
                    invited_at=ev.iso(now),
                    deadline_at=ev.iso(now + timedelta(days=5)),
                ),
            ),
        ]
    )
    drain(rt.redis)
    with rt.session_factory() as s:
        s.execute(
            update(Delivery)
            .where(Delivery.purpose == "invitation", Delivery.application_id == f"app-e{n}")
            .values(updated_at=T0.astimezone(UTC))
        )
        s.commit()
        row = s.scalars(
            select(Delivery).where(
                Delivery.purpose == "invitation", Delivery.application_id == f"app-e{n}"
            )
        ).one()
    assert row.state == "sent"
    return row


def _timeline(rt: Runtime, application_id: str) -> list[str]:
    with rt.session_factory() as s:
        return list(
            s.scalars(
                select(Delivery.purpose)
                .where(Delivery.application_id == application_id)
                .order_by(Delivery.id)
            )
        )


def _at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_the_ladder_climbs_rung_by_rung_holds_in_quiet_hours_and_never_repeats(
    push: Push, sim: Sim, ladder_runtime: Runtime
) -> None:
    _invite(push, ladder_runtime, 1, "cand_01")
    assert escalate_unread(_at(3.9)) == []
    assert escalate_unread(_at(4)) == ["ding sent"]  # 14:00
    assert escalate_unread(_at(4.5)) == []  # once
    [ding] = sim.get("/_sim/dings", userid="cand_01")["dings"]
    assert ding["remind"] == "app" and "AI 面试邀请" in ding["content"]

    assert escalate_unread(_at(12)) == []  # 22:00: quiet hours hold the SMS
    assert escalate_unread(_at(22.9)) == []  # 08:54 the next day: still quiet
    assert escalate_unread(_at(23)) == ["sms sent"]  # 09:00
    assert [d["remind"] for d in sim.get("/_sim/dings", userid="cand_01")["dings"]] == [
        "app",
        "sms",
    ]
    assert escalate_unread(_at(26.9)) == []
    assert escalate_unread(_at(27)) == ["todo sent", "todo sent"]  # each HR owner
    [todo] = sim.get("/_sim/todos", userid="hr_lina")["todos"]
    assert todo["subject"].startswith("电话联系候选人")
    assert todo["detailUrl"]["appUrl"].endswith("#/hr/applications/app-e1")
    assert len(sim.get("/_sim/todos", userid="hr_wangqiang")["todos"]) == 1
    assert escalate_unread(_at(60)) == []  # the ladder has no more rungs
    # Every rung is in the application's notification timeline.
    assert _timeline(ladder_runtime, "app-e1") == [
        "invitation",
        "escalation_ding",
        "escalation_sms",
        "escalation_todo",
        "escalation_todo",
    ]


def test_a_read_ding_stops_the_ladder(push: Push, sim: Sim, ladder_runtime: Runtime) -> None:
    _invite(push, ladder_runtime, 2, "cand_02")
    assert escalate_unread(_at(4)) == ["ding sent"]
    [ding] = sim.get("/_sim/dings", userid="cand_02")["dings"]
    sim.post(f"/_sim/dings/{ding['open_ding_id']}/read", {"userid": "cand_02"})
    assert escalate_unread(_at(23)) == []  # read: no SMS, no to-do
    assert escalate_unread(_at(40)) == []
    assert sim.get("/_sim/todos", userid="hr_lina")["todos"] == []


def test_a_click_on_the_card_counts_as_read(push: Push, sim: Sim, ladder_runtime: Runtime) -> None:
    invitation = _invite(push, ladder_runtime, 3, "cand_03")
    click = CardClick(
        out_track_id=invitation.out_track_id,
        user_id="cand_03",
        action="more_time",
        params={"action": "more_time"},
    )
    answer: dict[str, Any] = answer_card_click(ladder_runtime, click, now=datetime.now(UTC))
    assert answer  # the click was answered
    assert escalate_unread(_at(4)) == []
    assert sim.get("/_sim/dings", userid="cand_03")["dings"] == []


def test_an_opened_interview_is_acted_on(push: Push, sim: Sim, ladder_runtime: Runtime) -> None:
    _invite(push, ladder_runtime, 4, "cand_04")
    now = datetime.now(UTC)
    opened = ev.interview(
        "iv-e4",
        2,
        application_id="app-e4",
        status="opened",
        invited_at=ev.iso(now),
        opened_at=ev.iso(now),
        deadline_at=ev.iso(now + timedelta(days=5)),
    )
    push([ev.event("interview", opened)])
    assert escalate_unread(_at(4)) == []


@pytest.fixture
def notice_runtime(ladder_runtime: Runtime) -> Runtime:
    """The same ladder, with the company sending work notifications instead of cards."""
    settings = ladder_runtime.settings.model_copy(update={"NOTIFY_CHANNEL": "work_notice"})
    rt = Runtime(
        settings=settings,
        engine=ladder_runtime.engine,
        session_factory=ladder_runtime.session_factory,
        redis=ladder_runtime.redis,
    )
    install_worker_context(rt)
    return rt


def test_a_work_notice_read_in_dingtalk_stops_the_ladder(
    push: Push, sim: Sim, notice_runtime: Runtime
) -> None:
    read = _invite(push, notice_runtime, 5, "cand_05")
    unread = _invite(push, notice_runtime, 6, "cand_06")
    assert read.channel == unread.channel == "work_notice"
    [message] = [m for m in sim.messages("cand_05") if m["kind"] == "work_notification"]
    sim.post(f"/_sim/messages/{message['id']}/read")  # 周敏 opened it in DingTalk
    assert escalate_unread(_at(4)) == ["ding sent"]  # only the unread one is chased
    assert sim.get("/_sim/dings", userid="cand_05")["dings"] == []
    assert len(sim.get("/_sim/dings", userid="cand_06")["dings"]) == 1


def test_the_sweep_command_climbs_the_ladder_as_of_a_time(
    push: Push, sim: Sim, digest_app: Flask, digest_runtime: Runtime
) -> None:
    _invite(push, digest_runtime, 7, "cand_07")
    runner = digest_app.test_cli_runner()
    early = runner.invoke(args=["escalation", "sweep", "--now", _at(3).isoformat()])
    assert early.exit_code == 0, early.output
    assert "escalation rungs=0" in early.output
    due = runner.invoke(args=["escalation", "sweep", "--now", _at(4).isoformat()])
    assert "rung ding sent" in due.output and "escalation rungs=1" in due.output
    assert len(sim.get("/_sim/dings", userid="cand_07")["dings"]) == 1
