"""The admin's 导入 page in a real browser: upload the sample vendor export, read the preview
with its rejected row, confirm, and the HR owner's inbox gets the new candidates' score cards."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.browser.conftest import Stack, shot
from tests.browser.test_h5_page import login
from tests.support.servers import wait_until

SAMPLE = Path(__file__).resolve().parents[2] / "sandbox" / "samples" / "ai_vendor_scores.csv"


def _cards_naming(stack: Stack, userid: str, name: str) -> list[dict[str, Any]]:
    cards = stack.sim("/_sim/cards", userid=userid)["cards"]
    return [c for c in cards if name in json.dumps(c, ensure_ascii=False)]


def test_the_admin_imports_the_sample_and_hr_gets_the_cards(page: Any, stack: Stack) -> None:
    login(page, stack, "admin_chengang", "#/admin/imports")
    page.get_by_role("heading", name="导入 AI 面试成绩").first.wait_for()
    page.locator("input[type=file]").set_input_files(str(SAMPLE))
    page.get_by_role("button", name="预览", exact=True).click()

    page.get_by_text("第 5 行 · 综合得分").wait_for()
    page.get_by_text("not a number: '缺考'").wait_for()
    shot(page, "import-preview")
    page.get_by_role("button", name="确认导入").click()
    page.get_by_text("已导入").first.wait_for()

    wait_until(lambda: _cards_naming(stack, "hr_lina", "钱晓"), timeout=30)
    wait_until(lambda: _cards_naming(stack, "hr_sunli", "蒋涛"), timeout=30)
    assert not _cards_naming(stack, "hr_lina", "沈佳")  # the rejected row sent nothing
