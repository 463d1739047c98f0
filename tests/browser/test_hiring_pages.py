"""After the offer, in a real browser: the scenario's 马超 (app-13) accepted her offer; she
consents on the H5 consent page (the ID number is never shown back); the vendor simulator finds
one item to consider; 孙丽 passes it on the HR check page and confirms the onboarding; 马超
reads her onboarding notice, ticks a material and acknowledges it. The demo EHR has each step,
without the number."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sqlalchemy import Engine, select

from sandbox.bgcheck.testing import running_vendor
from storage.bgcheck_models import BackgroundCheck, OnboardingNotice
from storage.db import make_session_factory
from storage.models import Candidate, Staff
from storage.offer_models import Offer
from tests import factories as f
from tests.browser.conftest import Stack, shot
from tests.browser.test_h5_page import login
from tests.support.servers import wait_until

APP = "app-13"
ID_NUMBER = "11010519491231002X"
TOKEN, SECRET = "browser-bgcheck-token", "browser-bgcheck-secret"
PII_KEY = "YnJvd3Nlci10ZXN0LXBpaS1rZXktMzItYnl0ZXMtISE="


@pytest.fixture(scope="module")
def vendor_url() -> Iterator[str]:
    with running_vendor(api_token=TOKEN, webhook_secret=SECRET) as url:
        yield url


@pytest.fixture(scope="module")
def stack_overrides(vendor_url: str) -> dict[str, object]:
    return {
        "BGCHECK_VENDOR": "sandbox",
        "BGCHECK_BASE_URL": vendor_url,
        "BGCHECK_API_TOKEN": TOKEN,
        "BGCHECK_WEBHOOK_SECRET": SECRET,
        "PII_ENCRYPTION_KEY": PII_KEY,
    }


def _row(engine: Engine, model: Any) -> Any:
    with make_session_factory(engine)() as s:
        return s.scalars(select(model).where(model.application_id == APP)).first()


def _headers(
    engine: Engine, *, staff: str | None = None, cand: str | None = None
) -> dict[str, str]:
    with make_session_factory(engine)() as s:
        staff_row = s.get(Staff, staff) if staff else None
        cand_row = s.get(Candidate, cand) if cand else None
        return f.bearer(f.token_for(staff_row=staff_row, candidate_row=cand_row))


def _hiring(stack: Stack) -> list[dict[str, Any]]:
    return list(requests.get(f"{stack.ehr}/_demo/hiring", timeout=10).json()["log"])


def _accepted_offer(stack: Stack, engine: Engine) -> None:
    wait_until(lambda: _row(engine, Offer) is not None, timeout=30)
    api = f"{stack.web}/api/v1"
    hr = _headers(engine, staff="st-hr-sun")
    path = f"{api}/hr/applications/{APP}/offer"
    assert requests.put(path, headers=hr, json={"start_date": "2027-01-04"}, timeout=10).ok
    assert requests.post(f"{path}/send", headers=hr, timeout=10).ok
    me = _headers(engine, cand="cand-13")
    offer = _row(engine, Offer)
    shown = requests.get(f"{api}/me/offers/{offer.id}", headers=me, timeout=10).json()
    body = {"terms_sha256": shown["terms_sha256"], "confirm": True}
    assert requests.post(f"{api}/me/offers/{offer.id}/accept", headers=me, json=body, timeout=10).ok


def test_consent_decision_and_onboarding_in_the_browser(
    page: Any, stack: Stack, engine: Engine, vendor_url: str
) -> None:
    _accepted_offer(stack, engine)
    wait_until(lambda: _row(engine, BackgroundCheck) is not None, timeout=30)
    login(page, stack, "cand_13", "#/background-check")
    page.get_by_test_id("consent-text").wait_for()
    page.locator("#bc-id").fill(ID_NUMBER)
    page.locator("#bc-employers").fill("华联超市")
    page.get_by_test_id("consent-submit").click()
    page.get_by_text("请先勾选同意").wait_for()  # no consent, no check
    page.locator("#bc-agree").check()
    page.get_by_test_id("consent-submit").click()
    page.get_by_text(re.compile("已授权|调查中")).first.wait_for()  # the job may be that quick
    wait_until(lambda: _row(engine, BackgroundCheck).status == "in_progress", timeout=30)
    page.reload()
    page.get_by_text("调查中").first.wait_for()
    assert ID_NUMBER not in page.content()
    shot(page, "bgcheck-consented")
    reference = _row(engine, BackgroundCheck).vendor_reference
    requests.post(
        f"{vendor_url}/_vendor/outcomes",
        json={"custom_id": "cand-13", "items": {"employment": "consider"}},
        timeout=10,
    )
    requests.post(f"{vendor_url}/_vendor/checks/{reference}/complete", timeout=10)
    hooks = requests.get(f"{vendor_url}/_vendor/webhooks", timeout=10).json()["webhooks"]
    hook = next(h for h in reversed(hooks) if h["event"]["type"] == "report.completed")
    answer = requests.post(
        f"{stack.web}/bgcheck/webhook", data=hook["body"], headers=hook["headers"], timeout=10
    )
    assert answer.status_code == 200, answer.text
    wait_until(lambda: _row(engine, BackgroundCheck).result == "consider", timeout=30)

    page.evaluate("sessionStorage.clear()")
    login(page, stack, "hr_sunli", f"#/hr/applications/{APP}/background-check")
    page.get_by_text("需关注").first.wait_for()
    page.get_by_role("button", name="通过", exact=True).click()
    wait_until(lambda: _row(engine, OnboardingNotice) is not None, timeout=15)
    page.get_by_text("背调通过").first.wait_for()  # the check page re-rendered with the decision
    page.goto(f"{stack.app_url}#/hr/applications/{APP}/onboarding")
    page.locator("#ob-place").fill("仓库 A 区人事办公室")
    page.get_by_role("button", name="确认并发送入职通知").click()
    wait_until(lambda: _row(engine, OnboardingNotice).status == "notified", timeout=15)

    page.evaluate("sessionStorage.clear()")
    login(page, stack, "cand_13", "#/onboarding")
    page.get_by_text("仓库 A 区人事办公室", exact=True).wait_for()
    page.get_by_text("2027-01-04", exact=True).wait_for()
    page.get_by_role("button", name="已准备").first.click()
    wait_until(lambda: _row(engine, OnboardingNotice).materials[0]["status"] == "submitted")
    page.get_by_role("button", name="我已知悉").click()
    wait_until(lambda: _row(engine, OnboardingNotice).acknowledged_at is not None)
    shot(page, "onboarding-notice")
    log = requests.get(f"{stack.ehr}/_demo/hiring", timeout=10).json()["log"]
    mine = [e for e in log if e["application_id"] == APP]
    wait_until(
        lambda: any(
            e["kind"] == "onboarding"
            for e in requests.get(f"{stack.ehr}/_demo/hiring", timeout=10).json()["log"]
        ),
        timeout=30,
    )
    assert all(ID_NUMBER not in str(e) for e in mine)
    assert [e.get("status") for e in mine if e["kind"] == "background_check"][:2] == [
        "in_progress",
        "completed",
    ]


def test_the_admin_dry_runs_and_saves_the_training_catalogue(
    page: Any, stack: Stack, engine: Engine
) -> None:
    login(page, stack, "admin_chengang", "#/admin/training-catalog")
    page.locator("#tc-rows").wait_for()
    assert "negotiation-online" in page.locator("#tc-rows").input_value()
    night = (
        '[{"dimension_key": "night_shift", "below": 99, "course_key": "night-safety", '
        '"course_title": "夜班安全培训", "hours": 4, "kind": "workshop"}]'
    )
    page.locator("#tc-rows").fill(night)
    page.get_by_role("button", name="试算近期入职者").click()
    page.get_by_test_id("tc-dry-run").get_by_text("夜班安全培训", exact=False).first.wait_for()
    page.get_by_role("button", name="保存为新版本").click()
    page.get_by_text("已保存").first.wait_for()
    shot(page, "training-catalog")
    admin = _headers(engine, staff="st-admin-chen")
    url = f"{stack.web}/api/v1/admin/training-catalog"
    body = requests.get(url, headers=admin, timeout=10).json()
    assert body["version"] == 1 and body["rows"][0]["course_key"] == "night-safety"
