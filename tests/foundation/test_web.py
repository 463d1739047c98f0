from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from config import Settings
from storage.db import make_session_factory
from storage.models import Candidate
from storage.runtime import Runtime, make_redis
from tests.support.servers import own_redis_server
from web import create_app
from web_context import EXTENSION_KEY, db_session, get_runtime


def _assert_error_shape(body: object, code: str) -> None:
    assert isinstance(body, dict)
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]


def test_healthz_is_green_with_database_and_redis(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


def test_healthz_is_red_and_names_redis_when_redis_stops(settings: Settings, engine) -> None:  # type: ignore[no-untyped-def]
    with own_redis_server() as server:
        runtime = Runtime(
            settings=settings,
            engine=engine,
            session_factory=make_session_factory(engine),
            redis=make_redis(server.url, timeout=1.0),
        )
        client = create_app(runtime=runtime, test_config={"TESTING": True}).test_client()
        assert client.get("/healthz").status_code == 200
        server.stop()
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"] == {"database": "ok", "redis": "unavailable"}
    assert "redis" in body["error"]["message"]


def test_unknown_path_answers_json_404(client: FlaskClient) -> None:
    response = client.get("/no/such/path")
    assert response.status_code == 404
    assert response.is_json
    _assert_error_shape(response.get_json(), "not_found")


def test_wrong_method_answers_json_405(client: FlaskClient) -> None:
    response = client.post("/healthz")
    assert response.status_code == 405
    _assert_error_shape(response.get_json(), "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_crash_answers_json_500_without_details(runtime: Runtime) -> None:
    app = create_app(runtime=runtime)

    def boom() -> str:
        raise RuntimeError("secret internals 13800138000")

    app.add_url_rule("/boom", view_func=boom)
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    _assert_error_shape(response.get_json(), "internal_error")
    assert "13800138000" not in response.get_data(as_text=True)


def test_a_database_that_is_down_answers_503_not_500(settings: Settings, engine) -> None:  # type: ignore[no-untyped-def]
    from tests import factories as f
    from tests.support.servers import free_port

    dead = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing?connect_timeout=2"
    runtime = Runtime(
        settings=settings.model_copy(update={"DATABASE_URL": dead}),
        engine=engine,
        session_factory=make_session_factory(engine),
        redis=make_redis(settings.require("REDIS_URL")),
    )
    client = create_app(runtime=runtime, test_config={"TESTING": True}).test_client()
    token = f.token_for(candidate_row=Candidate(id="c-1", version=1, name="x"))
    try:
        response = client.get("/api/v1/me/interviews", headers=f.bearer(token))
    finally:
        runtime.run_closers()
    assert response.status_code == 503
    _assert_error_shape(response.get_json(), "database_unavailable")
    assert response.headers["Retry-After"] == "5"


def test_the_app_keeps_its_runtime_under_one_extension_key(runtime: Runtime) -> None:
    app = create_app(runtime=runtime)
    assert [key for key in app.extensions if key.startswith("myinterviews")] == [EXTENSION_KEY]
    assert get_runtime(app) is runtime
    with app.app_context():
        assert get_runtime() is runtime


def test_a_request_has_one_session_closed_at_teardown(app: Flask) -> None:
    with app.test_request_context("/api/v1/hr/positions"):
        session = db_session()
        assert db_session() is session
        session.execute(text("SELECT 1"))
        assert session.in_transaction()
    assert not session.in_transaction()
    with app.test_request_context("/healthz"):
        assert db_session() is not session
