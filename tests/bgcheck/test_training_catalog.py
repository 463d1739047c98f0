"""The admin's training catalogue: built-in rows until an admin stores a version; a PUT names
the version it edits (a stale one is 409); the dry run shows the plans for recent hires; the
plan of a notice uses the catalogue in force."""

from __future__ import annotations

from flask.testing import FlaskClient

from services.onboarding.catalog import plan_of
from storage.models import Application, ScoreDimension
from storage.runtime import Runtime
from tests import factories as f
from tests.offers.conftest import headers_of

PATH = "/api/v1/admin/training-catalog"
NIGHT = {
    "dimension_key": "night_shift",
    "below": 95,
    "course_key": "night-safety",
    "course_title": "夜班安全培训",
    "hours": 4,
    "kind": "workshop",
}


def test_versions_dry_run_and_the_plan_in_force(
    bot_runtime: Runtime, app_id: str, http: FlaskClient, hr: dict[str, str]
) -> None:
    with bot_runtime.session_factory() as s:
        f.staff(s, "st-admin", "admin", uid="admin_chengang", name="陈刚")
        app = s.get(Application, app_id)
        assert app is not None
        app.stage = "hired"
        s.add(
            ScoreDimension(
                score_id=f"sc-{app_id}",
                key="night_shift",
                label="夜班适应度",
                score=88.0,
                max_score=100.0,
                ordinal=0,
            )
        )
        s.commit()
    admin = headers_of(bot_runtime, staff_id="st-admin")
    assert http.get(PATH, headers=hr).status_code == 403
    built_in = http.get(PATH, headers=admin).get_json()
    assert built_in["version"] == 0
    assert {r["course_key"] for r in built_in["rows"]} >= {"negotiation-online"}

    dry = http.post(f"{PATH}/dry-run", headers=admin, json={"rows": [NIGHT]}).get_json()
    [hire] = [h for h in dry["hires"] if h["application_id"] == app_id]
    assert hire["candidate_name"] == "张伟"
    assert [p["reason"] for p in hire["plan"]] == ["夜班适应度 88 < 95"]
    with bot_runtime.session_factory() as s:
        assert plan_of(s, app_id) == []  # the built-in rows have nothing for night shifts

    bad = http.put(PATH, headers=admin, json={"version": 0, "rows": [{**NIGHT, "kind": "book"}]})
    assert bad.status_code == 400
    saved = http.put(PATH, headers=admin, json={"version": 0, "rows": [NIGHT]})
    assert saved.status_code == 200 and saved.get_json()["version"] == 1
    assert saved.get_json()["updated_by"] == "st-admin"
    stale = http.put(PATH, headers=admin, json={"version": 0, "rows": []})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "stale_version"
    assert http.get(PATH, headers=admin).get_json()["rows"] == [NIGHT]
    with bot_runtime.session_factory() as s:
        [item] = plan_of(s, app_id)
        assert item["course_title"] == "夜班安全培训" and item["reason"] == "夜班适应度 88 < 95"
