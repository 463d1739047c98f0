"""Every insight endpoint x every role x own and foreign object.

Admin endpoints (the feedback catalogue) answer 403 to everyone but admins. The HR endpoints
(validity, fairness, probation, the feedback preview) follow the staff scope: a recruiting
manager sees their departments' positions, an HR specialist the positions they own, an admin
all; outside the scope 404 (never 403); a candidate 403 always; role `interviewer` has no
positions, so 404.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests import factories as f
from tests.factories import bearer
from tests.miniapp.conftest import World


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    audience: str  # admin | staff
    kind: str | None
    body: dict[str, object] | None = None


CATALOG_BODY = {"items": [{"key": "logic", "suggestion_zh": "练", "suggestion_en": "Practise"}]}
ROUTES = [
    Route("GET", "/api/v1/admin/feedback-catalog", "admin", None),
    Route("PUT", "/api/v1/admin/feedback-catalog", "admin", None, CATALOG_BODY),
    Route("GET", "/api/v1/hr/positions/{position}/validity", "staff", "position"),
    Route("GET", "/api/v1/hr/positions/{position}/fairness", "staff", "position"),
    Route("GET", "/api/v1/hr/applications/{application}/probation", "staff", "application"),
    Route("GET", "/api/v1/hr/applications/{application}/training", "staff", "application"),
    Route(
        "GET", "/api/v1/hr/applications/{application}/candidate-feedback", "staff", "application"
    ),
]
PERSONAS = ("candidate", "hr_specialist", "recruiting_manager", "admin", "interviewer")


def expected(route: Route, persona: str, side: str) -> int:
    if persona == "candidate":
        return 403
    if route.audience == "admin":
        return 200 if persona == "admin" else 403
    if persona == "admin":
        return 200
    if persona == "interviewer":
        return 404
    return 200 if side == "own" else 404


CASES = [
    pytest.param(r, p, o, id=f"{r.method} {r.template} {p} {o}")
    for r, p, o in itertools.product(ROUTES, PERSONAS, ("own", "foreign"))
    if r.kind is not None or o == "own"
]


@pytest.fixture
def tokens(world: World, session: Session) -> dict[str, str]:
    interviewer = f.staff(session, "st-iv", "interviewer", uid="u-iv", departments=["d-retail"])
    session.commit()
    return {**world.tokens, "interviewer": f.token_for(staff_row=interviewer)}


@pytest.mark.parametrize(("route", "persona", "side"), CASES)
def test_status_matches_scope(
    client: FlaskClient,
    world: World,
    tokens: dict[str, str],
    route: Route,
    persona: str,
    side: str,
) -> None:
    ids = world.own if side == "own" else world.foreign
    response = client.open(
        route.template.format(**ids),
        method=route.method,
        json=route.body,
        headers=bearer(tokens[persona]),
    )
    assert response.status_code == expected(route, persona, side), response.get_json()
    if response.status_code >= 400:
        assert set(response.get_json()["error"]) == {"code", "message"}


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.template}")
def test_no_token_is_401(client: FlaskClient, world: World, route: Route) -> None:
    response = client.open(route.template.format(**world.own), method=route.method, json=route.body)
    assert response.status_code == 401


def test_an_unknown_position_or_application_is_404_even_for_admins(
    client: FlaskClient, world: World
) -> None:
    admin = bearer(world.tokens["admin"])
    for url in (
        "/api/v1/hr/positions/nope/validity",
        "/api/v1/hr/positions/nope/fairness",
        "/api/v1/hr/applications/nope/probation",
        "/api/v1/hr/applications/nope/training",
        "/api/v1/hr/applications/nope/candidate-feedback",
    ):
        assert client.get(url, headers=admin).status_code == 404
