"""Issue 21 in a real browser: the candidate's feedback section on the report, and the validity
page (inline SVG charts, the cut-off statement, the fairness table) and a hire's probation score
on the demo EHR's 2025 history (POST /_demo/history)."""

from __future__ import annotations

import re
from typing import Any

import requests
from sqlalchemy import Engine, func, select

from miniapp_api.context import MiniAppContext
from services.access.score_visibility import parse_visibility
from storage.models import Application, PerformanceReview
from tests.browser.conftest import Stack, shot
from tests.browser.test_h5_page import login
from tests.support.servers import wait_until
from web_context import attached


def test_the_candidate_reads_the_feedback_section(page: Any, stack: Stack) -> None:
    # The company's policy for this stack: feedback on (as `make run` has it).
    with stack.app.app_context():
        attached(MiniAppContext).score_policy = parse_visibility("overall,dimensions,feedback")
    login(page, stack, "cand_02", "#/interviews/iv-02")
    page.get_by_role("heading", name="反馈与建议").wait_for()
    section = page.get_by_role("region", name="反馈与建议")
    text = section.inner_text()
    assert "沟通表达是你的优势" in text
    assert "夜班适应度相对薄弱" in text  # the lowest of her three, with the catalogue's advice
    assert page.get_by_test_id("fit-summary").inner_text() != ""
    shot(page, "candidate-feedback")


def test_validity_fairness_and_probation_on_the_history(
    page: Any, stack: Stack, engine: Engine
) -> None:
    pushed = requests.post(f"{stack.ehr}/_demo/history", timeout=120).json()
    assert set(pushed["pushed"]) == {200}, pushed

    def reviews() -> int:
        with engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(PerformanceReview)) or 0)

    wait_until(lambda: reviews() == 80, timeout=60)
    login(page, stack, "mgr_zhaomin", "#/hr/positions/pos-store-night-2025/validity")
    page.get_by_role("img", name="各维度与绩效的相关（95% 置信区间）").wait_for()
    assert page.get_by_role("img", name="综合分与绩效").is_visible()
    assert page.locator("svg.chart circle").count() >= 40  # 40 hires in the scatter
    assert re.search(
        r"综合分 ≥ 80 的录用者（\d+ 人）", page.get_by_test_id("cutoff-text").inner_text()
    )
    fairness = page.get_by_test_id("fairness").inner_text()
    assert "不足 10 人，不显示" in fairness  # master and other: 6 and 3 applicants
    shot(page, "hr-validity")
    # The cut-off form: another measure and cut-off redraw the statement.
    page.get_by_label("维度", exact=True).select_option("night_shift")
    page.get_by_label("分数线", exact=True).fill("75")
    page.get_by_role("button", name="更新").click()
    page.get_by_text(re.compile(r"夜班适应度 ≥ 75 的录用者")).wait_for()

    with engine.connect() as conn:
        hired = conn.scalar(
            select(Application.id)
            .where(Application.position_id == "pos-store-night-2025", Application.stage == "hired")
            .order_by(Application.id)
            .limit(1)
        )
    page.goto(f"{stack.app_url}#/hr/applications/{hired}/insight")
    page.get_by_test_id("probation-score").wait_for()
    assert "0.3 ×" in page.get_by_role("region", name="试用期评分").inner_text()
    assert page.get_by_test_id("training").get_by_role("listitem").count() == 2
    shot(page, "hr-probation")


def test_the_admin_edits_the_feedback_catalogue(page: Any, stack: Stack) -> None:
    login(page, stack, "admin_chengang", "#/admin/feedback-catalog")
    page.get_by_role("heading", name="反馈建议库（按维度）").wait_for()
    field = page.get_by_role("group", name="night_shift").get_by_label("建议（中文）", exact=True)
    field.fill("先试上两个夜班，再说说你的作息安排。")
    page.get_by_role("button", name="保存").click()
    page.get_by_text("已保存").wait_for()
    shot(page, "admin-feedback-catalog")
    with stack.app.test_client() as client:
        from storage.models import Staff
        from tests import factories as f

        with stack.app.app_context():
            from web_context import get_runtime

            with get_runtime().session_factory() as s:
                admin = s.get(Staff, "st-admin-chen")
                assert admin is not None
                token = f.token_for(staff_row=admin)
        body = client.get("/api/v1/admin/feedback-catalog", headers=f.bearer(token)).get_json()
    entry = {e["key"]: e for e in body["items"]}["night_shift"]
    assert entry["suggestion_zh"] == "先试上两个夜班，再说说你的作息安排。"
