"""Session tokens (expiry, tampering) and identifying a DingTalk user, linking by mobile."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.access.sessions import (
    identify_person,
    issue_session_token,
    normalise_mobile,
    verify_session_token,
)
from services.access.visibility import Viewer
from services.errors import Forbidden, Unauthenticated
from storage.models import Candidate
from storage.sync_models import ChangeHistory
from tests import factories as f
from tests.miniapp.conftest import World

VIEWER = Viewer(
    "u-1", staff_id="st-1", staff_role="admin", candidate_id="c-1", roles=("candidate", "staff")
)


def test_token_round_trip() -> None:
    token = issue_session_token(f.SECRET, VIEWER, now=f.NOW, ttl_seconds=60).token
    assert verify_session_token(f.SECRET, token, now=f.NOW + timedelta(seconds=59)) == VIEWER


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda t: t, "token_expired"),  # checked 61 s later
        (lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), "invalid_token"),
        (lambda t: "x" + t, "invalid_token"),
        (lambda t: "garbage", "invalid_token"),
    ],
)
def test_expired_and_tampered_tokens(mutate, code) -> None:  # type: ignore[no-untyped-def]
    token = issue_session_token(f.SECRET, VIEWER, now=f.NOW, ttl_seconds=60).token
    with pytest.raises(Unauthenticated) as info:
        verify_session_token(f.SECRET, mutate(token), now=f.NOW + timedelta(seconds=61))
    assert info.value.code == code


def test_token_signed_with_another_key_is_refused() -> None:
    token = issue_session_token(
        "another-secret-of-enough-length-000000", VIEWER, now=f.NOW, ttl_seconds=60
    ).token
    with pytest.raises(Unauthenticated):
        verify_session_token(f.SECRET, token, now=f.NOW)


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (
            "Bearer "
            + f.token_for(
                candidate_row=Candidate(id="c-1"), now=f.NOW - timedelta(days=3650), ttl=1
            ),
            "token_expired",
        ),
        ("Bearer abc.def", "invalid_token"),
        ("Basic abc", "unauthenticated"),
        ("Bearer ", "unauthenticated"),
    ],
)
def test_http_refuses_expired_and_tampered_tokens(
    client: FlaskClient, world: World, header: str, code: str
) -> None:
    response = client.get("/api/v1/me/interviews", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == code


def test_http_refuses_a_tampered_payload(client: FlaskClient, world: World) -> None:
    good = world.tokens["hr_specialist"]
    payload, _, sig = good.rpartition(".")
    forged = issue_session_token(f.SECRET, VIEWER, now=f.NOW, ttl_seconds=3600).token
    tampered = forged.rpartition(".")[0] + "." + sig
    response = client.get("/api/v1/hr/positions", headers=f.bearer(tampered))
    assert response.status_code == 401
    assert payload  # the original token is fine
    assert client.get("/api/v1/hr/positions", headers=f.bearer(good)).status_code == 200


@pytest.mark.parametrize(
    ("given", "wanted"),
    [
        ("+86 138-0013-8000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("0086 13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("", None),
        (None, None),
    ],
)
def test_normalise_mobile(given: str | None, wanted: str | None) -> None:
    assert normalise_mobile(given) == wanted


def test_first_login_links_candidate_by_mobile_and_records_why(session: Session) -> None:
    f.candidate(session, "c-9", mobile="+86 138-0013-8000")
    session.commit()
    viewer = identify_person(session, "u-new", "13800138000", now=f.NOW)
    assert viewer.candidate_id == "c-9" and viewer.roles == ("candidate",)
    session.expire_all()
    assert session.get_one(Candidate, "c-9").linked_dingtalk_user_id == "u-new"
    history = session.scalars(select(ChangeHistory)).one()
    assert (history.entity_id, history.source) == ("c-9", "local")
    assert history.changes["linked_dingtalk_user_id"] == {"before": None, "after": "u-new"}
    assert "13800138000" not in str(history.data)
    # Second login finds the link without a mobile.
    assert identify_person(session, "u-new", None, now=f.NOW).candidate_id == "c-9"


def test_ambiguous_or_already_linked_mobile_is_not_linked(session: Session) -> None:
    f.candidate(session, "c-a", mobile="13800138000")
    f.candidate(session, "c-b", mobile="138-0013-8000")
    f.candidate(session, "c-c", mobile="13900000000", uid="someone-else")
    session.commit()
    for mobile in ("13800138000", "13900000000"):
        with pytest.raises(Forbidden) as info:
            identify_person(session, "u-x", mobile, now=f.NOW)
        assert info.value.code == "unknown_person"
    assert session.scalars(select(ChangeHistory)).all() == []


def test_staff_and_candidate_at_once(session: Session) -> None:
    f.staff(session, "st-1", "admin", uid="u-both")
    f.candidate(session, "c-1", uid="u-both")
    session.commit()
    viewer = identify_person(session, "u-both", None, now=f.NOW)
    assert viewer.roles == ("candidate", "staff")
    assert (viewer.staff_id, viewer.staff_role, viewer.candidate_id) == ("st-1", "admin", "c-1")
