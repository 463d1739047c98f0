"""Bot commands over the real Stream SDK: each role, both languages, an unknown sender."""

from __future__ import annotations

from typing import Any

import pytest

from storage.runtime import Runtime
from tests.bot.conftest import Listener, run_jobs
from tests.bot.scenario import HR_LI, HR_SUN, scored_application, seed_people, send_score_cards
from tests.support.servers import LocalHttp, wait_for


@pytest.fixture
def chat(bot_runtime: Runtime, sim: LocalHttp, listener: Listener, ehr: LocalHttp) -> LocalHttp:
    wait_for(lambda: sim.get("/_sim/connections")["connections"], timeout=30, what="listener")
    seed_people(bot_runtime)
    score_id = scored_application(bot_runtime, ehr)
    send_score_cards(bot_runtime, score_id)
    return sim


def ask(sim: LocalHttp, runtime: Runtime, userid: str, text: str) -> str:
    sent = sim.post("/_sim/bot-messages", {"userid": userid, "text": text})
    assert sent["delivered"], sent

    def replied() -> list[dict[str, Any]]:
        run_jobs(runtime)
        messages = sim.get("/_sim/messages", params={"userid": userid})["messages"]
        return [m for m in messages if m["kind"] in ("session_reply", "robot")]

    replies = wait_for(replied, timeout=15, what=f"a reply to {text!r}")
    assert len(replies) == 1
    return str(replies[0]["content"])


@pytest.mark.parametrize(
    ("user", "text", "expected", "absent"),
    [
        (
            "cand_01",
            "我的面试",
            ["门店店员（夜班）", "打开我的面试", "http://127.0.0.1:8000/app/"],
            [],
        ),
        ("cand_01", "  My Interviews ", ["My interviews", "Open My Interviews"], []),
        ("cand_01", "成绩", ["总分", "86", "comm label"], []),
        ("cand_01", "score", ["Overall", "86"], []),
        (HR_LI, "待处理", ["张伟", "门店店员（夜班）", "86"], []),
        (HR_LI, "pending", ["张伟"], []),
        (HR_SUN, "待处理", ["没有等待你决定的候选人"], ["张伟"]),
        (HR_LI, "统计 门店店员", ["门店店员（夜班）", "申请数", "1"], []),
        (HR_LI, "stats nosuchthing", ["No such position"], []),
        (HR_SUN, "统计 门店店员", ["没有找到"], ["申请数"]),
        (HR_LI, "help", ["pending", "stats"], ["my interviews"]),
        ("cand_01", "帮助", ["我的面试", "成绩"], ["待处理"]),
        ("cand_01", "待处理", ["我的面试"], ["张伟"]),
        ("cand_05", "我的面试", ["没有找到你的候选人或 HR 身份"], ["门店", "张伟"]),
        ("cand_05", "<script>alert(1)</script> 成绩", ["没有找到"], ["<script>"]),
    ],
)
def test_commands(
    chat: LocalHttp,
    bot_runtime: Runtime,
    user: str,
    text: str,
    expected: list[str],
    absent: list[str],
) -> None:
    reply = ask(chat, bot_runtime, user, text)
    for part in expected:
        assert part in reply, reply
    for part in absent:
        assert part not in reply, reply
