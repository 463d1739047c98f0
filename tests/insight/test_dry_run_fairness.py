"""The policy dry run shows the advance rate of each education group under the stored policy
and under the draft, so HR sees what a threshold change does to each group before saving it."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories import bearer
from tests.insight.seed import HireRow, add_hires
from tests.miniapp.conftest import World

DRY_RUN = "/api/v1/admin/policies/p-own/dry-run"


def test_dry_run_compares_the_groups_under_the_draft_and_the_current_policy(
    client: FlaskClient, world: World, session: Session
) -> None:
    rows = (
        [HireRow(85, 80, education="bachelor")] * 8 + [HireRow(70, 70, education="bachelor")] * 2
        + [HireRow(82, 80, education="high_school")] * 5
        + [HireRow(70, 70, education="high_school")] * 5
        + [HireRow(95, 95, education="master")] * 3
    )  # fmt: skip
    add_hires(session, "p-own", rows, prefix="d")
    session.commit()
    admin = bearer(world.tokens["admin"])
    draft = {"advance_threshold": 84}
    body = client.post(DRY_RUN, json={"days": 30, "config": draft}, headers=admin).get_json()
    current = {g["education"]: g for g in body["fairness"]["current"]}
    after = {g["education"]: g for g in body["fairness"]["draft"]}
    # Stored policy (default 80): bachelor 8 of 11 (a-own's 81 too), high school 5 of 10.
    assert current["bachelor"]["advanced"] == 9 and current["bachelor"]["count"] == 11
    assert current["high_school"]["rate"] == 0.5
    assert current["high_school"]["below_four_fifths"] is True  # 0.5 / (9/11) = 0.61
    # Draft at 84: high school's 82s no longer advance; bachelor's 85s still do.
    assert after["high_school"]["rate"] == 0.0 and after["high_school"]["ratio"] == 0.0
    assert after["bachelor"]["advanced"] == 8
    assert after["master"]["suppressed"] is True and after["master"]["rate"] is None
    # Without a draft both sides are the stored policy.
    same = client.post(DRY_RUN, json={"days": 30}, headers=admin).get_json()["fairness"]
    assert same["current"] == same["draft"] == body["fairness"]["current"]
