"""The H5 page in a real browser: candidate report, HR ranking and decisions, the inbox after."""

from __future__ import annotations

import re
from typing import Any

import requests

from tests.browser.conftest import OUTPUT, Stack, shot
from tests.support.servers import wait_until


def login(page: Any, stack: Stack, userid: str, hash_: str = "") -> None:
    """Open the page (optionally at a deep link) and pick a sandbox user."""
    page.goto(f"{stack.app_url}{hash_}")
    page.get_by_role("button", name=re.compile(rf"\b{userid}\b")).click()


def test_the_page_is_served_with_its_config(stack: Stack) -> None:
    index = requests.get(stack.app_url, timeout=10)
    assert index.status_code == 200
    assert index.headers["Content-Type"].startswith("text/html")
    assert '<html lang="zh-CN">' in index.text and 'name="viewport"' in index.text
    config = requests.get(f"{stack.web}/app/config.js", timeout=10)
    assert config.headers["Content-Type"].startswith("text/javascript")
    assert f'"sandboxUrl": "{stack.sandbox}"' in config.text
    assert (
        requests.get(f"{stack.web}/app/app.css", timeout=10)
        .headers["Content-Type"]
        .startswith("text/css")
    )
    assert requests.get(f"{stack.web}/app/../wsgi.py", timeout=10).status_code == 404


def test_candidate_logs_in_and_sees_the_report(page: Any, stack: Stack) -> None:
    page.goto(f"{stack.app_url}#/interviews/iv-01")
    page.get_by_role("heading", name="本地沙箱：选择一个演示用户登录").wait_for()
    shot(page, "login-sandbox-picker")
    page.get_by_role("button", name=re.compile(r"\bcand_01\b")).click()
    page.get_by_role("heading", name="AI 面试评分").wait_for()  # the deep link survives login
    page.get_by_role("button", name="返回").click()
    interviews = page.get_by_role("list", name="我的面试")
    interviews.get_by_role("link").first.wait_for()
    assert "门店店员（夜班）" in interviews.inner_text()
    shot(page, "candidate-interviews")

    interviews.get_by_role("link").first.click()
    page.get_by_role("heading", name="AI 面试评分").wait_for()
    assert page.get_by_test_id("overall").inner_text() != ""
    assert page.get_by_role("progressbar").count() >= 3
    assert page.get_by_role("heading", name="招聘进度").is_visible()
    assert re.search(r"#/interviews/iv-01$", page.url)
    shot(page, "candidate-report")

    page.get_by_role("button", name="Switch to English").click()
    page.get_by_role("heading", name="AI interview score").wait_for()
    assert page.evaluate("document.documentElement.lang") == "en"
    shot(page, "candidate-report-en")


def test_hr_ranks_filters_and_reads_statistics(page: Any, stack: Stack) -> None:
    login(page, stack, "hr_lina")
    page.get_by_role("link", name=re.compile("门店店员（夜班）")).click()
    ranking = page.get_by_role("list", name="申请排名")
    ranking.get_by_role("link").first.wait_for()
    everyone = ranking.get_by_role("link").count()
    assert everyone >= 8

    page.get_by_text("前 N 名").click()
    page.get_by_label("N", exact=True).fill("3")
    page.get_by_label("N", exact=True).press("Enter")
    page.get_by_text(re.compile("前 3 名，分数线")).wait_for()
    assert 3 <= page.get_by_role("list", name="申请排名").get_by_role("link").count() < everyone
    shot(page, "hr-ranking-top3")

    page.get_by_text("前 20%").click()
    page.get_by_text(re.compile("分数线")).wait_for()
    shot(page, "hr-ranking-top20pct")

    page.get_by_role("link", name="统计").click()
    histogram = page.get_by_role("img", name=re.compile("综合分分布"))
    histogram.wait_for()
    assert "人" in (histogram.get_attribute("aria-label") or "")
    shot(page, "hr-stats")


def _hr_card(stack: Stack, userid: str, interview_id: str) -> dict[str, Any] | None:
    for card in stack.sim("/_sim/cards", userid=userid)["cards"]:
        if card["public"].get("interview_id") == interview_id:
            return dict(card)
    return None


def test_hr_owner_advances_from_the_page_and_the_ehr_gets_it(page: Any, stack: Stack) -> None:
    login(page, stack, "hr_lina", "#/hr/applications/app-04")
    page.get_by_role("heading", name="做出决定").wait_for()
    assert page.get_by_test_id("stage").inner_text() == "AI 面试"
    shot(page, "hr-application-before")

    page.get_by_role("button", name="推进", exact=True).click()
    page.get_by_role("button", name="确认").click()
    page.get_by_test_id("decisions").get_by_text("推进").wait_for()
    assert page.get_by_test_id("stage").inner_text() == "面试"

    wait_until(
        lambda: any(d.get("application_id") == "app-04" for d in stack.ehr_decisions()),
        timeout=30,
    )
    page.reload()
    page.get_by_test_id("decisions").get_by_text("已写回").wait_for(timeout=30_000)
    shot(page, "hr-application-advanced")

    # The candidate sees the next round on the page (and gets the next-round card).
    page.get_by_role("button", name="退出").click()
    login(page, stack, "cand_04", "#/interviews/iv-04")
    page.get_by_role("heading", name="招聘进度").wait_for()
    assert page.locator(".progress [aria-current=step]").inner_text() == "面试"
    shot(page, "candidate-next-round")
    wait_until(
        lambda: any(
            c["template_id"] == "mi-next-round-v1.schema"
            for c in stack.sim("/_sim/cards", userid="cand_04")["cards"]
        ),
        timeout=30,
    )


def test_the_inbox_shows_the_updated_card_to_every_hr_owner(page: Any, stack: Stack) -> None:
    login(page, stack, "hr_lina", "#/hr/applications/app-07")
    page.get_by_role("button", name="推进", exact=True).click()
    page.get_by_role("button", name="确认").click()
    page.get_by_test_id("decisions").get_by_text("推进").wait_for()

    for userid in ("hr_lina", "hr_wangqiang"):
        wait_until(
            lambda u=userid: (
                (_hr_card(stack, u, "iv-07") or {}).get("public", {}).get("decision") == "advance"
            ),
            timeout=30,
        )
    # The sandbox's inbox is a desktop page: look at it the way a developer would.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{stack.sandbox}/_sim/inbox?userid=hr_wangqiang")
    updated = page.get_by_text("已由 李娜 处理：已推进").first
    updated.wait_for()
    updated.scroll_into_view_if_needed()
    page.screenshot(path=str(OUTPUT / "inbox-hr-wangqiang-updated.png"))


# Walkthrough step 5 (docs/walkthrough.md): the scenario's invitations date from 2026-11-16, so
# the sweep runs as of the next morning, inside the working window.
SWEEP_AT = "2026-11-17T10:00:00+08:00"


def test_the_reminder_sweep_reaches_the_candidate_inbox(page: Any, stack: Stack) -> None:
    result = stack.app.test_cli_runner().invoke(args=["reminders", "sweep", "--now", SWEEP_AT])
    assert result.exit_code == 0, result.output
    assert "reminder sent\tinvite_unopened" in result.output
    try:
        # The reminder card, not the invitation card the scenario's invitation sent before it.
        wait_until(
            lambda: [
                c
                for c in stack.sim("/_sim/cards", userid="cand_09")["cards"]
                if c["template_id"] == "mi-invite-reminder-v1.schema"
            ],
            timeout=30,
        )
    except TimeoutError as exc:
        message = (
            f"no reminder card for cand_09; the sweep said:\n{result.output}\n"
            f"deliveries: {_reminder_deliveries(stack)}"
        )
        raise AssertionError(message) from exc
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{stack.sandbox}/_sim/inbox?userid=cand_09")
    page.get_by_text("AI 面试邀请提醒").first.wait_for()
    page.screenshot(path=str(OUTPUT / "inbox-cand-09-reminder.png"))


def _reminder_deliveries(stack: Stack) -> list[tuple[object, ...]]:
    """What the pipeline recorded for the reminders, to say why a card did not arrive."""
    from sqlalchemy import select

    from storage.action_models import Delivery
    from storage.sync_models import OutboxEvent
    from web_context import get_runtime

    with get_runtime(stack.app).session_factory() as session:
        events = session.execute(
            select(OutboxEvent.id, OutboxEvent.state, OutboxEvent.last_error).where(
                OutboxEvent.kind == "reminder.due"
            )
        ).all()
        rows = session.execute(
            select(Delivery.purpose, Delivery.recipient_id, Delivery.state, Delivery.last_error)
        ).all()
    return [*events, *[r for r in rows if "remind" in r[0]]]
