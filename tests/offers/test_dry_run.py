"""The policy's dry run shows, for past applications, what would have been offered."""

from __future__ import annotations

from flask.testing import FlaskClient

from storage.runtime import Runtime
from tests import factories as f
from tests.offers.conftest import headers_of


def test_the_dry_run_shows_the_offer(bot_runtime: Runtime, app_id: str, http: FlaskClient) -> None:
    with bot_runtime.session_factory() as s:
        f.staff(s, "st-admin", "admin", uid="admin_x")
        s.commit()
    admin = headers_of(bot_runtime, staff_id="st-admin")
    path = "/api/v1/admin/policies/pos-store-night/dry-run"
    result = http.post(path, headers=admin, json={"days": 30}).get_json()
    [item] = [i for i in result["items"] if i["application_id"] == app_id]
    assert item["offer"] == {
        "amount": 10000,
        "reason": "岗位薪资带 8,000–10,000，综合分 90 → 10,000",
    }
    assert result["offers"] == 1
    draft = {"offer": {"qualifying_score": 70, "top_score": 100}}
    tried = http.post(path, headers=admin, json={"days": 30, "config": draft}).get_json()
    [item] = [i for i in tried["items"] if i["application_id"] == app_id]
    assert item["offer"]["amount"] == 9300  # 8,000 + 2/3 of 2,000, rounded to 100
    strict = {"offer": {"qualifying_score": 95, "top_score": 99}}
    none = http.post(path, headers=admin, json={"days": 30, "config": strict}).get_json()
    assert none["offers"] == 0 and none["items"][0]["offer"] is None
    bad = {"offer": {"qualifying_score": 90, "top_score": 90}}
    refused = http.post(path, headers=admin, json={"days": 30, "config": bad})
    assert refused.status_code == 400 and refused.get_json()["error"]["code"]
