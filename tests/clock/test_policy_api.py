"""The admin API of score policies: read, update, dry run; and HR's override endpoint."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from storage.models import Staff
from tests import factories as f
from tests.clock.conftest import WED, at, invite

NIGHT = {"advance_threshold": 80, "dimension_minimums": [{"key": "night_shift", "minimum": 60}]}


@pytest.fixture
def api(app: Flask) -> FlaskClient:
    return app.test_client()


def _auth(s: Session, staff_id: str) -> dict[str, str]:
    row = s.get(Staff, staff_id)
    return f.bearer(f.token_for(staff_row=row))


def _scores(s: Session) -> None:
    for n, (overall, night) in enumerate([(90, 80), (85, 40), (60, 90)], start=1):
        invite(s, n, invited_at=at(WED, 0), deadline_at=at(WED, 48), status="attended")
        f.score(
            s, f"s-{n}", f"i-{n}", overall, dimensions={"night_shift": night}, published_at=f.NOW
        )
    s.commit()


def test_admin_reads_updates_and_dry_runs_a_policy(api: FlaskClient, org: Session) -> None:
    _scores(org)
    admin = _auth(org, "st-admin")
    listed = api.get("/api/v1/admin/policies", headers=admin).get_json()
    assert listed["items"][0]["scope"] == "global" and listed["items"][0]["stored"] is False
    assert listed["items"][0]["config"]["advance_threshold"] == 80

    before = api.post("/api/v1/admin/policies/p-1/dry-run", json={"days": 7}, headers=admin)
    assert before.status_code == 200
    assert before.get_json()["counts"] == {"advance": 2, "reject": 0, "review": 1}
    draft = api.post(
        "/api/v1/admin/policies/p-1/dry-run",
        json={"days": 7, "config": {**NIGHT, "auto_reject": True}},
        headers=admin,
    ).get_json()
    assert draft["counts"] == {"advance": 1, "reject": 1, "review": 1}
    assert draft["auto_applied"] == 1
    rejected = next(i for i in draft["items"] if i["suggestion"] == "reject")
    assert rejected["score_id"] == "s-2" and rejected["rule"] == "dimension_minimum"

    put = api.put("/api/v1/admin/policies/p-1", json=NIGHT, headers=admin)
    assert put.status_code == 200, put.get_json()
    assert (put.get_json()["version"], put.get_json()["updated_by"]) == (1, "st-admin")
    put = api.put("/api/v1/admin/policies/p-1", json={**NIGHT, "auto_reject": True}, headers=admin)
    assert put.get_json()["version"] == 2
    got = api.get("/api/v1/admin/policies/p-1", headers=admin).get_json()
    assert got["config"]["auto_reject"] is True and got["stored"] is True


@pytest.mark.parametrize(
    ("method", "path", "body", "who", "status", "code"),
    [
        ("GET", "/admin/policies", None, "st-hr", 403, "admin_only"),
        ("PUT", "/admin/policies/p-1", NIGHT, "st-rm", 403, "admin_only"),
        ("PUT", "/admin/policies/p-nope", NIGHT, "st-admin", 404, "not_found"),
        (
            "PUT",
            "/admin/policies/p-1",
            {"advance_threshold": 120},
            "st-admin",
            400,
            "invalid_input",
        ),
        ("PUT", "/admin/policies/p-1", {"bogus": 1}, "st-admin", 400, "invalid_input"),
        ("POST", "/admin/policies/p-1/dry-run", {"days": 0}, "st-admin", 400, "invalid_input"),
        (
            "POST",
            "/hr/decisions/abc/override",
            {"decision": "advance", "reason": "x"},
            "st-hr",
            404,
            "not_found",
        ),
        (
            "POST",
            "/hr/decisions/1/override",
            {"decision": "advance", "reason": ""},
            "st-hr",
            400,
            "invalid_input",
        ),
    ],
)
def test_policy_api_errors(
    api: FlaskClient,
    org: Session,
    method: str,
    path: str,
    body: Any,
    who: str,
    status: int,
    code: str,
) -> None:
    answer = api.open("/api/v1" + path, method=method, json=body, headers=_auth(org, who))
    assert answer.status_code == status
    assert answer.get_json()["error"]["code"] == code


def test_policy_api_needs_a_token(api: FlaskClient, org: Session) -> None:
    assert api.get("/api/v1/admin/policies").status_code == 401


def test_the_policy_endpoints_are_in_the_openapi_document(api: FlaskClient) -> None:
    paths = api.get("/api/v1/openapi.json").get_json()["paths"]
    assert "put" in paths["/api/v1/admin/policies/{scope}"]
    assert "post" in paths["/api/v1/admin/policies/{scope}/dry-run"]
    assert "post" in paths["/api/v1/hr/decisions/{decision_id}/override"]
