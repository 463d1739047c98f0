"""Schemathesis over the OpenAPI document: every endpoint, no 5xx, every response conforms."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import BaseSchema
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from services.access.sessions import issue_session_token
from services.access.visibility import Viewer
from storage.runtime import Runtime
from tests import factories as f
from tests.conftest import make_test_settings
from tests.miniapp.conftest import build_world
from web import create_app

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Both an admin and a candidate, so every endpoint can answer 2xx as well as its errors.
BOTH = Viewer(
    "u-admin",
    staff_id="st-admin",
    staff_role="admin",
    candidate_id="c-1",
    roles=("candidate", "staff"),
)


def _operations() -> list[tuple[str, str]]:
    from miniapp_api import (  # noqa: F401 (registers)
        routes_auth,
        routes_candidate,
        routes_hr,
        routes_policies,
    )
    from miniapp_api.spec import API_PREFIX, ENDPOINTS

    return [(e.method, API_PREFIX + e.path) for e in ENDPOINTS]


@pytest.fixture
def api_schema(any_runtime: Runtime, sandbox_url: str) -> BaseSchema:
    """On PostgreSQL and on SQLite: generated strings hold NUL, which only PostgreSQL refuses."""
    with any_runtime.session_factory() as session:
        build_world(session)
    any_runtime.settings = make_test_settings(
        any_runtime.settings.require("DATABASE_URL"),
        any_runtime.settings.require("REDIS_URL"),
        DINGTALK_API_BASE=sandbox_url,
        DINGTALK_OAPI_BASE=sandbox_url,
    )
    app = create_app(runtime=any_runtime, test_config={"TESTING": True})
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.mark.parametrize(("method", "path"), _operations(), ids=str)
def test_api_conforms(api_schema: BaseSchema, method: str, path: str) -> None:
    operation = api_schema[path][method]
    token = issue_session_token(f.SECRET, BOTH, now=datetime.now(UTC), ttl_seconds=600).token

    @given(case=operation.as_strategy())
    @settings(
        max_examples=40,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

    run()
