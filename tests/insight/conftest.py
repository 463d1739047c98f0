"""The miniapp tests' two-sided world, and an app whose visibility policy includes feedback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from storage.runtime import Runtime
from tests.miniapp.conftest import World, build_world


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def client_with(runtime: Runtime, **settings: object) -> tuple[FlaskClient, Runtime]:
    from web import create_app

    other = Runtime(
        settings=runtime.settings.model_copy(update=settings),
        engine=runtime.engine,
        session_factory=runtime.session_factory,
        redis=runtime.redis,
    )
    app = create_app(runtime=other, test_config={"TESTING": True})
    return app.test_client(), other


@pytest.fixture
def feedback_client(runtime: Runtime) -> Iterator[FlaskClient]:
    """The API with CANDIDATE_SCORE_VISIBILITY=overall,feedback."""
    client, other = client_with(runtime, CANDIDATE_SCORE_VISIBILITY="overall,feedback")
    yield client
    other.run_closers()
