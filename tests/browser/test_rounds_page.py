"""The H5 scheduling page in a real browser: HR picks an interviewer, sees the clash with a busy
block of their DingTalk calendar (added through the sandbox), schedules, and the demo EHR has
the round."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from tests.browser.conftest import Stack, shot
from tests.browser.test_h5_page import login

APP = "app-07"  # the scenario's candidate at the interview stage (pos-store-night)
# The browser's local wall-clock text of an instant, as a datetime-local input takes it.
LOCAL = """(iso) => { const d = new Date(iso); const p = (n) => String(n).padStart(2, "0");
  const day = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
  return `${day}T${p(d.getHours())}:${p(d.getMinutes())}`; }"""


def _ehr_rounds(stack: Stack) -> list[dict[str, Any]]:
    feed = requests.get(
        f"{stack.ehr}/events",
        params={"limit": "5000"},
        headers={"Authorization": "Bearer test-ehr-token"},
        timeout=10,
    )
    feed.raise_for_status()
    return [
        e["data"]
        for e in feed.json()["events"]
        if e["type"] == "interview.upserted" and e["data"]["application_id"] == APP
    ]


def test_hr_schedules_a_round_and_sees_the_clash(page: Any, stack: Stack) -> None:
    start = (datetime.now(UTC) + timedelta(days=3)).replace(
        hour=6, minute=0, second=0, microsecond=0
    )
    requests.post(
        f"{stack.sandbox}/_sim/calendar",
        json={
            "userid": "iv_zhoujie",
            "start": start.isoformat(),
            "end": (start + timedelta(hours=2)).isoformat(),
            "summary": "门店巡检",
        },
        timeout=10,
    ).raise_for_status()
    before = {r["id"] for r in _ehr_rounds(stack)}

    login(page, stack, "hr_lina", f"#/hr/applications/{APP}/schedule")
    page.get_by_role("heading", name=re.compile("安排下一轮 · 第 3 轮")).wait_for()
    page.get_by_role("checkbox", name=re.compile("周杰")).check()
    page.get_by_label("日期和时间").fill(page.evaluate(LOCAL, start.isoformat()))
    page.get_by_label("日期和时间").dispatch_event("change")
    clash = page.get_by_test_id("clash")
    clash.filter(has_text="时间冲突").wait_for()
    assert "周杰" in clash.inner_text() and clash.get_attribute("aria-live") == "polite"
    assert "门店巡检" not in page.get_by_test_id("busy").inner_text()  # times, not titles
    shot(page, "hr-schedule-clash")

    assert not page.get_by_label("面试地点").is_visible()  # a video round takes a link
    page.get_by_label("会议链接").fill("https://meet.example.com/browser-r3")
    page.get_by_role("button", name="安排面试").click()
    page.get_by_test_id("rounds").get_by_text("第 3 轮 · 视频面试").wait_for()
    shot(page, "hr-schedule-done")

    made = [r for r in _ehr_rounds(stack) if r["id"] not in before]
    assert [(r["round"], r["kind"], r["interviewer_ids"]) for r in made] == [
        (3, "video", ["st-iv-zhou"])
    ]
    assert datetime.fromisoformat(made[0]["scheduled_at"]) == start
