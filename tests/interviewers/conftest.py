"""The bot suite's sandbox and demo EHR, the interviewers' card templates known to the sender,
and a second round of 张伟's application with two interviewers: 周杰 (role interviewer) and
孙丽 (an HR specialist of another position, assigned to this round)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from config import Settings
from config.settings_notify import DEFAULT_CARD_TEMPLATES
from sandbox.ehr import events as ev
from storage.models import Candidate, Interview, InterviewInterviewer, Staff
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
    "interviewer_briefing": "mi-interviewer-briefing-v1.schema",
    "feedback_request": "mi-feedback-request-v1.schema",
    "feedback_summary_hr": "mi-feedback-summary-hr-v1.schema",
}
ZHOU, SUN = "st-iv-zhou", "st-hr-sun"


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


def round_fields(start: Any, interviewers: list[str]) -> dict[str, Any]:
    return {
        "kind": "video",
        "round": 2,
        "status": "scheduled",
        "scheduled_at": start,
        "duration_minutes": 45,
        "meeting_url": "https://meet.example/r2",
        "interviewers": [InterviewInterviewer(staff_id=i) for i in interviewers],
    }


def add_round(runtime: Runtime, demo: LocalHttp, iv_id: str, app_id: str, **over: Any) -> None:
    """A round in the cache and in the demo EHR (which checks interviewers and the start)."""
    start = over.pop("start", NOW - timedelta(hours=1))
    interviewers = over.pop("interviewer_ids", [ZHOU, SUN])
    with runtime.session_factory() as s:
        f.interview(s, iv_id, app_id, deadline_at=None, **round_fields(start, interviewers))
        s.commit()
    data = ev.interview(
        iv_id,
        application_id=app_id,
        kind="video",
        round=2,
        status="scheduled",
        scheduled_at=ev.iso(start),
        duration_minutes=45,
        interviewer_ids=interviewers,
        deadline_at=None,
    )
    demo.post("/_demo/events", {"events": [ev.event("interview", data)], "push": False})


@dataclass
class Org:
    runtime: Runtime
    client: FlaskClient
    tokens: dict[str, str]
    # The demo EHR lives for the whole session and has no reset: each test's round is new to it.
    round: str


@pytest.fixture
def org(bot_runtime: Runtime, ehr: LocalHttp) -> Org:  # noqa: F811
    """The demo org, 张伟's scored AI interview (app-1) and his round (started 1 h ago)."""
    seed_people(bot_runtime)
    with bot_runtime.session_factory() as s:
        f.staff(s, ZHOU, "interviewer", uid="iv_zhoujie", name="周杰")
        f.staff(s, "st-admin", "admin", uid="u-admin", name="陈刚")
        f.application(s, "app-1", "cand-01", "pos-store-night")
        f.application(s, "app-2", "cand-02", "pos-warehouse")
        f.interview(s, "iv-ai-1", "app-1", status="completed")
        f.score(s, "sc-1", "iv-ai-1", 78.0, dimensions={"logic": 40.0, "communication": 90.0})
        s.commit()
        tokens = {
            sid: f.token_for(staff_row=s.get(Staff, sid))
            for sid in (ZHOU, SUN, "st-hr-li", "st-admin")
        }
        tokens["cand-01"] = f.token_for(candidate_row=s.get(Candidate, "cand-01"))
    app = ev.application("app-1", candidate_id="cand-01", position_id="pos-store-night")
    ehr.post("/_demo/events", {"events": [ev.event("application", app)], "push": False})
    round_id = f"iv-r2-{uuid.uuid4().hex[:8]}"
    add_round(bot_runtime, ehr, round_id, "app-1")
    client = create_app(runtime=bot_runtime, test_config={"TESTING": True}).test_client()
    return Org(bot_runtime, client, tokens, round_id)


def interview(runtime: Runtime, iv_id: str) -> Interview:
    with runtime.session_factory() as s:
        row = s.get(Interview, iv_id)
        assert row is not None
        s.expunge(row)
        return row
