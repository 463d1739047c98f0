"""Arbitrary and adversarial input to every mini-app endpoint, on PostgreSQL and SQLite.

Whatever arrives in a path id, a query parameter or a JSON body (NUL, digits that are not
ASCII, numbers of any size, nesting of any depth, bytes that are not JSON), the answer is a 2xx
or a 4xx with the error object, never a 5xx; and the data stays as it was for the valid ones.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from miniapp_api.spec import API_PREFIX, ENDPOINTS, Endpoint
from storage.runtime import Runtime
from tests import factories as f
from tests.miniapp.conftest import World, build_world
from web import create_app

HOSTILE_TEXT = [
    "a\x00b",
    "\x00",
    "²",
    "١٢٣",  # Arabic-Indic digits: isdigit() but not ASCII
    "9" * 40,
    "-1",
    "0",
    "x" * 5000,
    "%00",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "i-own",
    "",
]
texts = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=80),
)
numbers = st.one_of(
    st.integers(),
    st.sampled_from([2**63, -(2**63) - 1, 10**40, 2**31]),
    st.floats(allow_nan=False, allow_infinity=False),
)
leaves = st.one_of(texts, numbers, st.booleans(), st.none())
json_values = st.recursive(
    leaves, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3)
)
RAW_BODIES = [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    b'{"reason": "' + b"\xff\xfe" + b'"}',
    b'{"reason": "\\ud800"}',
    b'{"note": "a\\u0000b", "reason": "a\\u0000b", "idempotency_key": "k\\u0000"}',
    b'{"decision": "advance", "idempotency_key": 1' + b"0" * 5000 + b"}",
    b'{"decision": NaN}',
    b"not json",
    b"",
]


def _call(client: FlaskClient, spec: Endpoint, token: str, **parts: Any) -> TestResponse:
    path = spec.path
    for name, value in parts.get("path", {}).items():
        path = path.replace("{" + name + "}", quote(value, safe=""))
    query = urlencode(parts.get("query", {}))
    url = API_PREFIX + path + (f"?{query}" if query else "")
    headers = {**f.bearer(token), "Content-Type": "application/json"}
    body = parts.get("body")
    return client.open(url, method=spec.method, data=body, headers=headers)


def _assert_answered(response: TestResponse) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    if response.status_code >= 400:
        error = (response.get_json(silent=True) or {}).get("error")
        assert isinstance(error, dict) and error.get("code") and "message" in error


def _path_names(spec: Endpoint) -> list[str]:
    import re

    return re.findall(r"{(\w+)}", spec.path)


@pytest.fixture
def hostile(any_runtime: Runtime, sandbox_url: str) -> tuple[FlaskClient, World]:
    with any_runtime.session_factory() as session:
        world = build_world(session)
    # Logins reach the DingTalk sandbox, which refuses made-up auth codes as DingTalk does.
    any_runtime.settings = any_runtime.settings.model_copy(
        update={"DINGTALK_API_BASE": sandbox_url, "DINGTALK_OAPI_BASE": sandbox_url}
    )
    app = create_app(runtime=any_runtime, test_config={"TESTING": True})
    return app.test_client(), world


def _endpoint_ids(*, with_body: bool = False) -> list[str]:
    _register()
    return [f"{e.method} {e.path}" for e in ENDPOINTS if e.body is not None or not with_body]


def _register() -> None:
    from miniapp_api import (  # noqa: F401 (registers the endpoints)
        routes_auth,
        routes_candidate,
        routes_hr,
        routes_policies,
    )


def _spec(endpoint_id: str) -> Endpoint:
    return next(e for e in ENDPOINTS if f"{e.method} {e.path}" == endpoint_id)


FUZZ = settings(
    max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)


@pytest.mark.parametrize("endpoint_id", _endpoint_ids())
def test_hostile_path_query_and_body_never_answer_5xx(
    hostile: tuple[FlaskClient, World], endpoint_id: str
) -> None:
    client, world = hostile
    spec = _spec(endpoint_id)
    names = _path_names(spec)
    query_fields = list(spec.query.model_fields) if spec.query else []
    body_fields = list(spec.body.model_fields) if spec.body else []

    @FUZZ
    @given(
        persona=st.sampled_from(sorted(world.tokens)),
        path=st.fixed_dictionaries(dict.fromkeys(names, texts)),
        query=st.dictionaries(st.sampled_from(query_fields or ["x"]), texts, max_size=3),
        body=st.dictionaries(st.sampled_from(body_fields or ["x"]), json_values, max_size=4),
    )
    def run(persona: str, path: dict[str, str], query: dict[str, str], body: Any) -> None:
        import json

        raw = json.dumps(body) if spec.body is not None else None
        response = _call(client, spec, world.tokens[persona], path=path, query=query, body=raw)
        _assert_answered(response)

    run()


@pytest.mark.parametrize("endpoint_id", _endpoint_ids(with_body=True))
@pytest.mark.parametrize("raw", RAW_BODIES, ids=lambda b: repr(b[:24]))
def test_hostile_raw_bodies_are_400(
    hostile: tuple[FlaskClient, World], endpoint_id: str, raw: bytes
) -> None:
    client, world = hostile
    spec = _spec(endpoint_id)
    path = {n: world.own.get(n.removesuffix("_id"), "own") for n in _path_names(spec)}
    response = _call(client, spec, world.tokens["admin"], path=path, body=raw)
    _assert_answered(response)
    assert response.status_code in (400, 401, 403, 404, 409, 422), response.status_code


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/me/interviews/i-own%00",
        "/api/v1/hr/applications/a-own%00",
        "/api/v1/hr/positions/p-own%00/applications",
        "/api/v1/admin/policies/p-own%00",
        "/api/v1/hr/positions?x=%00",
        "/api/v1/hr/positions/p-own/applications?sort=%00",
        "/app/%00",
    ],
)
def test_nul_anywhere_in_a_request_is_400(hostile: tuple[FlaskClient, World], path: str) -> None:
    client, world = hostile
    response = client.get(path, headers=f.bearer(world.tokens["admin"]))
    assert response.status_code == 400
    _assert_answered(response)


@pytest.mark.parametrize("decision_id", ["%C2%B2", "9" * 40, "١", "-1"])
def test_decision_ids_that_are_not_ascii_digits_or_too_large_are_404(
    hostile: tuple[FlaskClient, World], decision_id: str
) -> None:
    client, world = hostile
    response = client.post(
        f"/api/v1/hr/decisions/{decision_id}/override",
        json={"decision": "advance", "reason": "because"},
        headers=f.bearer(world.tokens["admin"]),
    )
    assert response.status_code == 404
    _assert_answered(response)


def test_deep_json_before_login_is_400(hostile: tuple[FlaskClient, World]) -> None:
    client, _world = hostile
    response = client.post(
        "/api/v1/auth/dingtalk",
        data=b"[" * 100_000 + b"]" * 100_000,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    _assert_answered(response)
