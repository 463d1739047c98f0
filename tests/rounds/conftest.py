"""The bot suite's sandbox, demo EHR and real `python -m bot.listener`, with the rounds' card
templates known to the sender (the sandbox loads every file in cards/templates/)."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from config import Settings
from config.settings_notify import DEFAULT_CARD_TEMPLATES
from sandbox.ehr import events as ev
from storage.models import Staff
from storage.runtime import Runtime
from tests import factories as f
from tests.bot.conftest import (  # noqa: F401  (fixtures, registered by import)
    bot_runtime,
    connected,
    ehr,
    ehr_url,
    listener,
    sandbox_url,
    sim,
    start_listener,
)
from tests.bot.scenario import NOW, seed_people
from tests.conftest import make_test_settings
from tests.support.servers import LocalHttp
from web import create_app

TEMPLATES = {
    **DEFAULT_CARD_TEMPLATES,
    "round_scheduled": "mi-round-scheduled-v1.schema",
    "round_changed": "mi-round-changed-v1.schema",
    "reschedule_request_hr": "mi-reschedule-request-hr-v1.schema",
}
# Interviewers from the demo organisation (real DingTalk users of the sandbox, with calendars).
INTERVIEWERS = ("st-mgr-zhao", "st-hr-sun")
INTERVIEWER_UIDS = ("mgr_zhaomin", "hr_sunli")
_apps = itertools.count(1)


@pytest.fixture(scope="session")
def bot_settings(database_url: str, redis_url: str, sandbox_url: str, ehr_url: str) -> Settings:  # noqa: F811
    return make_test_settings(
        database_url,
        redis_url,
        DINGTALK_API_BASE=sandbox_url,
        DINGTALK_OAPI_BASE=sandbox_url,
        EHR_BASE_URL=ehr_url,
        DINGTALK_CARD_TEMPLATES=TEMPLATES,
    )


@pytest.fixture
def http(bot_runtime: Runtime) -> FlaskClient:  # noqa: F811
    return create_app(runtime=bot_runtime, test_config={"TESTING": True}).test_client()


@pytest.fixture
def hr_headers(bot_runtime: Runtime) -> Callable[[str], dict[str, str]]:  # noqa: F811
    def headers(staff_id: str) -> dict[str, str]:
        with bot_runtime.session_factory() as s:
            row = s.get(Staff, staff_id)
            assert row is not None
            return f.bearer(f.token_for(staff_row=row))

    return headers


@pytest.fixture
def app_id(bot_runtime: Runtime, ehr: LocalHttp) -> str:  # noqa: F811
    """The demo org in the cache and a fresh application of 张伟 known to the demo EHR too
    (the demo EHR lives for the session: each test gets an application of its own)."""
    seed_people(bot_runtime)
    aid = f"app-r{next(_apps)}-{NOW.strftime('%H%M%S')}"
    with bot_runtime.session_factory() as s:
        f.application(s, aid, "cand-01", "pos-store-night", stage="interview")
        s.commit()
    events = [
        ev.event("staff", ev.staff(sid, name=sid, role="hr_specialist"), event_id=f"e-{aid}-{sid}")
        for sid in ("st-hr-li", *INTERVIEWERS)
    ]
    data = ev.application(
        aid, candidate_id="cand-01", position_id="pos-store-night", stage="interview"
    )
    events.append(ev.event("application", data, event_id=f"e-{aid}"))
    ehr.post("/_demo/events", {"events": events, "push": False})
    return aid


def round_body(**over: Any) -> dict[str, Any]:
    return {
        "round": 2,
        "kind": "video",
        "scheduled_at": (NOW + timedelta(days=2)).isoformat(),
        "duration_minutes": 45,
        "interviewer_ids": list(INTERVIEWERS),
        "meeting_url": "https://meet.example.com/r2",
        # The demo EHR lives for the session and remembers keys: each body gets a fresh one.
        "idempotency_key": uuid.uuid4().hex,
        **over,
    }
