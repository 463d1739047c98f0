"""DingTalk free login against the DingTalk sandbox: staff, candidates (linked by mobile),
unknown people, bad codes, rate limiting and DingTalk outages."""

from __future__ import annotations

import pytest
import requests
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Candidate
from storage.runtime import Runtime
from storage.sync_models import ChangeHistory
from tests import factories as f
from tests.conftest import make_test_settings
from tests.support.servers import free_port
from web import create_app


def _client(runtime: Runtime, base: str, **overrides: object) -> FlaskClient:
    runtime.settings = make_test_settings(
        runtime.settings.require("DATABASE_URL"),
        runtime.settings.require("REDIS_URL"),
        DINGTALK_API_BASE=base,
        DINGTALK_OAPI_BASE=base,
        **overrides,
    )
    return create_app(runtime=runtime, test_config={"TESTING": True}).test_client()


def _code(sandbox_url: str, userid: str) -> str:
    response = requests.post(f"{sandbox_url}/_sim/auth-codes", json={"userid": userid}, timeout=5)
    response.raise_for_status()
    return str(response.json()["auth_code"])


def _login(client: FlaskClient, code: str):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/auth/dingtalk", json={"auth_code": code})


@pytest.fixture
def org(session: Session) -> None:
    f.department(session, "d-retail")
    f.staff(session, "st-hr-li", "hr_specialist", uid="hr_lina")
    f.position(session, "p-1", "d-retail", owners=["st-hr-li"])
    # The EHR does not know cand_03's DingTalk id: only the mobile, written its own way.
    f.candidate(session, "cand-03", mobile="+86 138-0013-0003")
    f.application(session, "a-1", "cand-03", "p-1")
    f.interview(session, "i-1", "a-1")
    session.commit()


def test_staff_login_gives_a_working_token(runtime: Runtime, sandbox_url: str, org: None) -> None:
    client = _client(runtime, sandbox_url)
    response = _login(client, _code(sandbox_url, "hr_lina"))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["roles"], body["staff_role"], body["staff_id"]) == (
        ["staff"],
        "hr_specialist",
        "st-hr-li",
    )
    positions = client.get("/api/v1/hr/positions", headers=f.bearer(body["token"])).get_json()
    assert [p["id"] for p in positions["items"]] == ["p-1"]


def test_candidate_first_login_links_by_mobile(
    runtime: Runtime, sandbox_url: str, org: None, session: Session
) -> None:
    client = _client(runtime, sandbox_url)
    body = _login(client, _code(sandbox_url, "cand_03")).get_json()
    assert body["roles"] == ["candidate"] and body["candidate_id"] == "cand-03"
    session.expire_all()
    assert session.get_one(Candidate, "cand-03").linked_dingtalk_user_id == "cand_03"
    assert session.scalars(select(ChangeHistory.source)).all() == ["local"]
    items = client.get("/api/v1/me/interviews", headers=f.bearer(body["token"])).get_json()
    assert [i["id"] for i in items["items"]] == ["i-1"]


def test_unknown_person_is_403(runtime: Runtime, sandbox_url: str, org: None) -> None:
    response = _login(_client(runtime, sandbox_url), _code(sandbox_url, "hr_wangqiang"))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "unknown_person"


def test_bad_or_reused_code_is_401(runtime: Runtime, sandbox_url: str, org: None) -> None:
    client = _client(runtime, sandbox_url)
    code = _code(sandbox_url, "hr_lina")
    assert _login(client, code).status_code == 200
    for bad in (code, "no-such-code"):
        response = _login(client, bad)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "invalid_auth_code"


def test_login_is_rate_limited_per_ip(runtime: Runtime, sandbox_url: str, org: None) -> None:
    client = _client(runtime, sandbox_url, LOGIN_RATE_LIMIT=3, LOGIN_RATE_WINDOW_SECONDS=60)
    statuses = [_login(client, "no-such-code").status_code for _ in range(3)]
    assert statuses == [401, 401, 401]
    response = _login(client, "no-such-code")
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_dingtalk_down_is_503(runtime: Runtime, org: None) -> None:
    client = _client(runtime, f"http://127.0.0.1:{free_port()}", DINGTALK_TIMEOUT_SECONDS=1)
    response = _login(client, "any-code")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "dingtalk_unavailable"


@pytest.mark.parametrize("body", [{}, {"auth_code": ""}, {"auth_code": 5}, [], "x"])
def test_malformed_login_is_400(runtime: Runtime, sandbox_url: str, body: object) -> None:
    response = _client(runtime, sandbox_url).post("/api/v1/auth/dingtalk", json=body)
    assert response.status_code == 400
