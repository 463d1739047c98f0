"""The offer in a real browser: the scenario's 马超 (app-13, 93) is in the offer stage and the
backend drafted her offer; 孙丽 sets the start date in the H5 editor and sends it; 马超 opens
her offer page, confirms and accepts; the demo EHR has each status once."""

from __future__ import annotations

from typing import Any

import requests
from sqlalchemy import Engine, select

from storage.db import make_session_factory
from storage.offer_models import Offer
from tests.browser.conftest import Stack, shot
from tests.browser.test_h5_page import login
from tests.support.servers import wait_until

APP = "app-13"


def _offer(engine: Engine) -> Offer | None:
    with make_session_factory(engine)() as s:
        return s.scalars(select(Offer).where(Offer.application_id == APP)).first()


def _ehr_steps(stack: Stack) -> list[str]:
    state = requests.get(f"{stack.ehr}/_demo/offers", timeout=10).json()
    return [e["step"] for e in state["log"]]


def test_hr_sends_and_the_candidate_accepts(page: Any, stack: Stack, engine: Engine) -> None:
    wait_until(lambda: _offer(engine) is not None, timeout=30)
    offer = _offer(engine)
    assert offer is not None and offer.salary_amount == 7500
    login(page, stack, "hr_sunli", f"#/hr/applications/{APP}/offer")
    page.get_by_text("岗位薪资带 6,000–7,500，综合分 93 → 7,500", exact=True).wait_for()
    page.locator("#of-start").fill("2027-01-04")
    page.get_by_role("button", name="保存").click()
    page.get_by_text("已保存").first.wait_for()
    page.get_by_test_id("offer-send").click()
    wait_until(lambda: (o := _offer(engine)) is not None and o.status == "sent", timeout=15)
    shot(page, "offer-editor")
    wait_until(lambda: _ehr_steps(stack) == ["created", "sent"], timeout=30)
    page.evaluate("sessionStorage.clear()")
    login(page, stack, "cand_13", f"#/offers/{offer.id}")
    page.get_by_text("2027-01-04", exact=True).wait_for()
    page.get_by_test_id("offer-letter").click()
    assert "月薪 7,500 CNY" in page.get_by_test_id("offer-letter").inner_text()
    page.get_by_test_id("offer-accept").click()
    page.get_by_text("请先勾选确认").wait_for()  # the explicit confirmation comes first
    page.locator("#of-confirm").check()
    page.get_by_test_id("offer-accept").click()
    wait_until(lambda: (o := _offer(engine)) is not None and o.status == "accepted", timeout=15)
    shot(page, "offer-accepted")
    wait_until(lambda: _ehr_steps(stack) == ["created", "sent", "accepted"], timeout=30)
    page.evaluate("sessionStorage.clear()")
    login(page, stack, "hr_sunli", "#/hr/positions/pos-warehouse/stats")
    funnel = page.get_by_test_id("offer-funnel")
    funnel.wait_for()
    assert "100%" in funnel.inner_text()
    shot(page, "offer-funnel")
