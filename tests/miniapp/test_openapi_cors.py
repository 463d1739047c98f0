"""The OpenAPI 3.1 document covers every endpoint with its errors; CORS for the mini-app origin."""

from __future__ import annotations

from flask.testing import FlaskClient

from storage.runtime import Runtime
from tests.conftest import make_test_settings
from web import create_app


def test_document_lists_every_route_with_errors(client: FlaskClient, app) -> None:  # type: ignore[no-untyped-def]
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    routed = {
        (m, rule.rule.replace("<", "{").replace(">", "}"))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.rule != "/api/v1/openapi.json"
        for m in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert documented == routed
    # The names issues fixed are public interfaces (and were all there before they moved).
    assert {
        ("GET", "/api/v1/me/interviews"),
        ("GET", "/api/v1/me/interviews/{interview_id}"),
        ("POST", "/api/v1/hr/applications/{application_id}/interviews"),
        ("GET", "/api/v1/interviewer/interviews"),
        ("GET", "/api/v1/interviewer/interviews/{interview_id}"),
        ("POST", "/api/v1/interviewer/interviews/{interview_id}/feedback"),
    } <= routed
    for path, ops in doc["paths"].items():
        for op in ops.values():
            errors = {c for c in op["responses"] if c.startswith(("4", "5"))}
            assert "400" in errors, path
            if op["security"]:
                assert {"401", "403", "404"} <= errors, path
            for response in op["responses"].values():
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref.split("/")[-1] in doc["components"]["schemas"]


def _cors_client(runtime: Runtime) -> FlaskClient:
    runtime.settings = make_test_settings(
        runtime.settings.require("DATABASE_URL"),
        runtime.settings.require("REDIS_URL"),
        MINIAPP_ORIGIN="https://miniapp.example.com",
    )
    return create_app(runtime=runtime, test_config={"TESTING": True}).test_client()


def test_cors_preflight_and_response_for_the_configured_origin(runtime: Runtime) -> None:
    client = _cors_client(runtime)
    preflight = client.options(
        "/api/v1/me/interviews",
        headers={
            "Origin": "https://miniapp.example.com",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "Authorization",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://miniapp.example.com"
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    response = client.get(
        "/api/v1/me/interviews", headers={"Origin": "https://miniapp.example.com"}
    )
    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == "https://miniapp.example.com"


def test_cors_refuses_other_origins(runtime: Runtime) -> None:
    client = _cors_client(runtime)
    response = client.options("/api/v1/me/interviews", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers
