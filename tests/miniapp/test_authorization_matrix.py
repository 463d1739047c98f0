"""Every endpoint x every role x own and foreign object -> the status the scope rules imply.

The expected status is derived from the rules (audience of the endpoint, the role's scope), not
written per case: candidate endpoints answer 403 to non-candidates, HR endpoints to non-staff;
inside the audience an object in scope answers 2xx, outside it 404 (never 403: no leak).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient

from tests.factories import bearer
from tests.miniapp.conftest import World


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    audience: str  # candidate | staff
    kind: str | None  # the object kind in the path, if any
    ok: int = 200
    body: dict[str, object] | None = None


ROUTES = [
    Route("GET", "/api/v1/me/interviews", "candidate", None),
    Route("GET", "/api/v1/me/interviews/{interview}", "candidate", "interview"),
    Route("GET", "/api/v1/hr/positions", "staff", None),
    Route("GET", "/api/v1/hr/positions/{position}/applications", "staff", "position"),
    Route("GET", "/api/v1/hr/positions/{position}/stats", "staff", "position"),
    Route("GET", "/api/v1/hr/applications/{application}", "staff", "application"),
    Route(
        "POST",
        "/api/v1/hr/applications/{application}/decisions",
        "staff",
        "application",
        201,
        {"decision": "hold", "reason": "matrix"},
    ),
    Route("POST", "/api/v1/hr/scores/{score}/flags", "staff", "score", 201, {"note": "odd"}),
]
PERSONAS = ("candidate", "hr_specialist", "recruiting_manager", "admin")
OWNERSHIP = ("own", "foreign")
# Whose scope covers which side of the world (admin: everything).
SEES_FOREIGN = {"admin"}


def expected(route: Route, persona: str, side: str) -> int:
    in_audience = (persona == "candidate") == (route.audience == "candidate")
    if not in_audience:
        return 403
    if route.kind is None or side == "own" or persona in SEES_FOREIGN:
        return route.ok
    return 404


CASES = [
    pytest.param(r, p, o, id=f"{r.method} {r.template} {p} {o}")
    for r, p, o in itertools.product(ROUTES, PERSONAS, OWNERSHIP)
    if r.kind is not None or o == "own"
]


@pytest.mark.parametrize(("route", "persona", "side"), CASES)
def test_status_matches_scope(
    client: FlaskClient, world: World, route: Route, persona: str, side: str
) -> None:
    ids = world.own if side == "own" else world.foreign
    url = route.template.format(**ids)
    response = client.open(
        url, method=route.method, json=route.body, headers=bearer(world.tokens[persona])
    )
    assert response.status_code == expected(route, persona, side), response.get_json()
    if response.status_code >= 400:
        assert set(response.get_json()["error"]) == {"code", "message"}


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.template}")
def test_no_token_is_401(client: FlaskClient, world: World, route: Route) -> None:
    url = route.template.format(**world.own)
    response = client.open(url, method=route.method, json=route.body)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize("persona", PERSONAS)
def test_lists_hold_only_what_is_in_scope(client: FlaskClient, world: World, persona: str) -> None:
    headers = bearer(world.tokens[persona])
    if persona == "candidate":
        items = client.get("/api/v1/me/interviews", headers=headers).get_json()["items"]
        assert {i["id"] for i in items} == {"i-own"}
        return
    items = client.get("/api/v1/hr/positions", headers=headers).get_json()["items"]
    wanted = {"p-own", "p-foreign"} if persona in SEES_FOREIGN else {"p-own"}
    assert {i["id"] for i in items} == wanted
