"""Sessions end with membership: leaving the organisation, and a tombstone of the candidate or
staff row (an EHR event or the full reconciliation), void the person's mini-app tokens at their
next request, while a fresh login and untouched people carry on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import requests
from flask.testing import FlaskClient
from itsdangerous import URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from clients.dingtalk import make_dingtalk_client
from jobs import bot as bot_jobs
from jobs import context
from sandbox.ehr import events as ev
from services.access.sessions import TOKEN_SALT
from services.chat.commands import unlink_org_user
from services.ehr.reconcile import reconcile_absent_entities
from services.notify.policy import policy_from_settings
from storage.action_models import SessionRevocation
from storage.models import ENTITY_MODELS, Candidate
from storage.runtime import Runtime
from tests import factories as f
from tests.conftest import make_test_settings
from web import create_app

ME = "/api/v1/me/interviews"
POSITIONS = "/api/v1/hr/positions"
# (DingTalk user, candidate id, their interview): cand_03 is found by mobile at first login,
# cand_01 is named by the EHR; leaving the org must end both kinds of session.
LINKED_BY_MOBILE = ("cand_03", "cand-03", "i-3")
NAMED_BY_EHR = ("cand_01", "cand-01", "i-1")


@pytest.fixture
def org(session: Session) -> None:
    f.department(session, "d-retail")
    f.staff(session, "st-hr-li", "hr_specialist", uid="hr_lina")
    f.position(session, "p-1", "d-retail", owners=["st-hr-li"])
    f.candidate(session, "cand-03", mobile="+86 138-0013-0003")
    f.candidate(session, "cand-01", uid="cand_01")
    f.application(session, "a-3", "cand-03", "p-1")
    f.application(session, "a-1", "cand-01", "p-1")
    f.interview(session, "i-3", "a-3")
    f.interview(session, "i-1", "a-1")
    session.commit()


@pytest.fixture
def client(runtime: Runtime, sandbox_url: str, org: None) -> FlaskClient:
    runtime.settings = make_test_settings(
        runtime.settings.require("DATABASE_URL"),
        runtime.settings.require("REDIS_URL"),
        DINGTALK_API_BASE=sandbox_url,
        DINGTALK_OAPI_BASE=sandbox_url,
    )
    return create_app(runtime=runtime, test_config={"TESTING": True}).test_client()


@pytest.fixture
def login(client: FlaskClient, sandbox_url: str) -> Callable[[str], str]:
    """Log a sandbox user in through DingTalk free login; return the session token."""

    def _login(userid: str) -> str:
        code = requests.post(
            f"{sandbox_url}/_sim/auth-codes", json={"userid": userid}, timeout=5
        ).json()["auth_code"]
        response = client.post("/api/v1/auth/dingtalk", json={"auth_code": code})
        assert response.status_code == 200, response.get_json()
        return str(response.get_json()["token"])

    return _login


@pytest.fixture
def leave_org(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Apply DingTalk's user_leave_org as the worker does: the job, with a worker context."""
    worker = context.WorkerContext(
        runtime=runtime,
        dingtalk=make_dingtalk_client(runtime.settings, runtime.redis),
        notify_policy=policy_from_settings(runtime.settings),
    )
    monkeypatch.setattr(context, "_context", worker)

    def _leave(userid: str) -> None:
        bot_jobs.apply_org_event("user_leave_org", f"evt-leave-{userid}", [userid])

    return _leave


def _get(client: FlaskClient, path: str, token: str) -> TestResponse:
    return client.get(path, headers=f.bearer(token))


def _assert_ended(response: TestResponse) -> None:
    assert response.status_code == 401, response.get_json()
    assert response.get_json()["error"]["code"] == "session_ended"


def _ehr_deletes(client: FlaskClient, runtime: Runtime, kind: str, entity_id: str) -> None:
    body = ev.batch_body([ev.deleted(kind, entity_id, 2)])
    headers = ev.sign(body, runtime.settings.require("EHR_WEBHOOK_SECRET"))
    response = client.post("/ehr/events", data=body, headers=headers)
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize("person", [LINKED_BY_MOBILE, NAMED_BY_EHR], ids=["mobile", "ehr"])
def test_leaving_the_org_ends_a_candidates_session(
    client: FlaskClient,
    login: Callable[[str], str],
    leave_org: Callable[[str], None],
    session: Session,
    person: tuple[str, str, str],
) -> None:
    userid, candidate_id, interview_id = person
    token = login(userid)
    listed = _get(client, ME, token)
    assert listed.status_code == 200
    assert [i["id"] for i in listed.get_json()["items"]] == [interview_id]
    assert _get(client, f"{ME}/{interview_id}", token).status_code == 200

    leave_org(userid)

    _assert_ended(_get(client, ME, token))
    _assert_ended(_get(client, f"{ME}/{interview_id}", token))
    session.expire_all()
    assert session.get_one(Candidate, candidate_id).linked_dingtalk_user_id is None
    # The other candidate's session is untouched.
    other = NAMED_BY_EHR if person == LINKED_BY_MOBILE else LINKED_BY_MOBILE
    assert _get(client, ME, login(other[0])).status_code == 200


def test_leaving_the_org_ends_a_staff_session(
    client: FlaskClient, login: Callable[[str], str], leave_org: Callable[[str], None]
) -> None:
    token = login("hr_lina")
    assert [p["id"] for p in _get(client, POSITIONS, token).get_json()["items"]] == ["p-1"]
    leave_org("hr_lina")
    _assert_ended(_get(client, POSITIONS, token))
    _assert_ended(_get(client, "/api/v1/hr/applications/a-3", token))


@pytest.mark.parametrize(
    ("kind", "entity_id", "userid", "paths"),
    [
        ("candidate", "cand-03", "cand_03", (ME, f"{ME}/i-3")),
        ("candidate", "cand-01", "cand_01", (ME, f"{ME}/i-1")),
        ("staff", "st-hr-li", "hr_lina", (POSITIONS, "/api/v1/hr/applications/a-3")),
    ],
)
def test_an_ehr_tombstone_ends_the_session(
    client: FlaskClient,
    runtime: Runtime,
    login: Callable[[str], str],
    kind: str,
    entity_id: str,
    userid: str,
    paths: tuple[str, ...],
) -> None:
    token = login(userid)
    assert all(_get(client, path, token).status_code == 200 for path in paths)
    _ehr_deletes(client, runtime, kind, entity_id)
    for path in paths:
        _assert_ended(_get(client, path, token))


def test_a_reconciliation_tombstone_ends_the_session(
    client: FlaskClient, login: Callable[[str], str], session: Session
) -> None:
    token = login("cand_03")
    assert _get(client, ME, token).status_code == 200
    seen = {kind: set(session.scalars(select(model.id))) for kind, model in ENTITY_MODELS.items()}
    seen["candidate"].discard("cand-03")
    session.rollback()
    reconcile_absent_entities(session, seen, max_share=1.0, force=True, now=datetime.now(UTC))
    _assert_ended(_get(client, ME, token))
    _assert_ended(_get(client, f"{ME}/i-3", token))


def test_a_login_after_the_revocation_is_valid_and_an_earlier_one_is_not(
    client: FlaskClient, session: Session
) -> None:
    # Factory tokens are for the DingTalk user "u": issued before and after it left.
    row = session.get_one(Candidate, "cand-01")
    before = f.token_for(candidate_row=row, now=f.NOW - timedelta(minutes=10))
    unlink_org_user(session, "u", now=f.NOW - timedelta(minutes=5))
    after = f.token_for(candidate_row=row, now=f.NOW - timedelta(minutes=1))
    _assert_ended(_get(client, ME, before))
    assert [i["id"] for i in _get(client, ME, after).get_json()["items"]] == ["i-1"]
    # A second departure moves the revocation forward, never back.
    unlink_org_user(session, "u", now=f.NOW - timedelta(minutes=8))
    assert session.get_one(SessionRevocation, "u").revoked_at == f.NOW - timedelta(minutes=5)
    assert _get(client, ME, after).status_code == 200


def _token_without_issued_at(candidate_id: str) -> str:
    """A token as issued before tokens carried `iat`."""
    claims = {
        "uid": "u",
        "sid": None,
        "srole": None,
        "cid": candidate_id,
        "roles": ["candidate"],
        "exp": int((f.NOW + timedelta(hours=1)).timestamp()),
    }
    return URLSafeSerializer(f.SECRET, salt=TOKEN_SALT).dumps(claims)


def test_a_token_from_before_issued_at_counts_as_issued_before_any_revocation(
    client: FlaskClient, session: Session
) -> None:
    old = _token_without_issued_at("cand-01")
    assert _get(client, ME, old).status_code == 200  # no one is logged out by the upgrade
    unlink_org_user(session, "u", now=datetime(2020, 1, 1, tzinfo=UTC))
    _assert_ended(_get(client, ME, old))


def test_a_live_candidate_without_interviews_gets_an_empty_list_not_401(
    client: FlaskClient, session: Session
) -> None:
    row = f.candidate(session, "cand-new", uid="cand_new")
    session.commit()
    token = f.token_for(candidate_row=row)
    listed = _get(client, ME, token)
    assert listed.status_code == 200 and listed.get_json()["items"] == []
    assert _get(client, f"{ME}/i-1", token).status_code == 404  # someone else's interview
