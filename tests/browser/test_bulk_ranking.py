"""HR advances a selection from the H5 ranking (issue 22): one confirmation, then the report of
what happened to each; the EHR receives the decisions that went through."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.conftest import Stack, shot
from tests.support.servers import wait_until


def test_hr_advances_a_selection_from_the_ranking(page: Any, stack: Stack) -> None:
    page.goto(f"{stack.app_url}#/hr/positions/pos-store-night")
    page.get_by_role("button", name=re.compile(r"\bhr_lina\b")).click()
    ranking = page.get_by_role("list", name="申请排名")
    ranking.get_by_role("link").first.wait_for()
    boxes = page.get_by_role("checkbox")
    assert boxes.count() >= 2
    picked = [boxes.nth(i).get_attribute("aria-label") for i in range(2)]
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.get_by_text("已选 2 人").wait_for()
    page.get_by_test_id("bulk-advance").click()
    page.get_by_text("确认推进所选的 2 位候选人？").wait_for()
    shot(page, "hr-ranking-bulk-confirm")
    page.get_by_test_id("bulk-confirm").click()
    report = page.get_by_test_id("bulk-report")
    report.wait_for()
    assert report.inner_text().startswith("已推进 ")
    shot(page, "hr-ranking-bulk-done")
    assert all(label and label.startswith("选择 ") for label in picked)

    def advanced() -> list[dict[str, Any]]:
        return [d for d in stack.ehr_decisions() if d.get("decision") == "advance"]

    wait_until(lambda: len(advanced()) >= 1, timeout=30)


def test_the_application_page_lists_its_notifications(page: Any, stack: Stack) -> None:
    page.goto(f"{stack.app_url}#/hr/applications/app-01")
    page.get_by_role("button", name=re.compile(r"\bhr_lina\b")).click()
    page.get_by_role("heading", name="通知记录").wait_for()
    timeline = page.get_by_test_id("timeline")
    timeline.wait_for()
    assert "成绩卡片（HR）" in timeline.inner_text()  # the scenario's score cards went out
    shot(page, "hr-application-timeline")
