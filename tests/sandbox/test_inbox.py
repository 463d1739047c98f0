"""The web inbox renders cards from their template and its buttons drive real callbacks."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from tests.sandbox.conftest import SimClient
from tests.sandbox.sdk import card_client, create_and_deliver, get_token

HR = "hr_wangqiang"


def _page(sim: SimClient, **params: str) -> str:
    resp = sim.raw("GET", "/_sim/inbox", params={"userid": HR, **params})
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/html")
    return resp.text


def test_inbox_renders_card_and_button_click_rerenders(
    connected: SimClient, org: dict[str, Any]
) -> None:
    token = get_token(connected.base_url, org["app_key"], org["app_secret"])
    create_and_deliver(
        card_client(connected.base_url),
        token,
        org,
        template="score_hr",
        out_track_id="inbox-1",
        userid=HR,
        params={
            "interview_id": "9",
            "candidate_name": "王芳",
            "position": "仓库拣货员",
            "overall": "77",
            "strongest": "沟通 90",
            "weakest": "经验 60",
            "suggestion": "推进",
            "suggestion_reason": "**表达清晰**",
            "decision": "",
            "report_url": "http://127.0.0.1/r/9",
        },
    )
    connected.post("/_sim/bot-messages", {"userid": HR, "text": "你好"})
    page = _page(connected)
    assert "王芳 · 仓库拣货员" in page and "<b>表达清晰</b>" in page
    assert "推进" in page and "淘汰原因" in page and "你好" in page
    button = re.search(r'data-action="advance" data-input="" data-params=\'([^\']*)\'', page)
    assert button is not None
    params = json.loads(html.unescape(button.group(1)))
    assert params == {"action": "advance", "interview_id": "9"}  # variables filled in

    click = connected.post(
        "/_sim/cards/inbox-1/click", {"userid": HR, "action_ids": ["advance"], "params": params}
    )
    assert click["delivered"] is True
    after = _page(connected, lang="en")
    assert 'data-action="advance"' not in after  # visible_when: decision is empty
    assert f"Decided by {HR}" in after


def test_inbox_shows_work_notifications(sim: SimClient, org: dict[str, Any]) -> None:
    token = get_token(sim.base_url, org["app_key"], org["app_secret"])
    sim.post(
        f"/topapi/message/corpconversation/asyncsend_v2?access_token={token}",
        {
            "agent_id": int(org["agent_id"]),
            "userid_list": HR,
            "msg": {
                "msgtype": "markdown",
                "markdown": {"title": "面试提醒", "text": "### 明天 10:00"},
            },
        },
    )
    page = _page(sim)
    notices = page[page.index('id="notices"') :]
    assert "面试提醒" in notices and "<b>明天 10:00</b>" in notices


def test_inbox_unknown_user(sim: SimClient) -> None:
    assert sim.raw("GET", "/_sim/inbox", params={"userid": "ghost"}).status_code == 404
