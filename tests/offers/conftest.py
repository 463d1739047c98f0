"""The offer suite: the bot suite's sandbox and demo EHR, the offer's card templates, and an
application of 张伟 in stage `interview` with a score of 90, known to the demo EHR too, on a
position with a salary band of 8,000-10,000 a month and two benefits."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from config import Settings
from config.settings_notify import DEFAULT_CARD_TEMPLATES
from sandbox.ehr import events as ev
from storage.models import Candidate, Position, Staff, StaffDepartment
from storage.runtime import Runtime
from tests import factories as f
from tests.bot.conftest import (  # noqa: F401  (fixtures, registered by import)
    bot_runtime,
    ehr,
    ehr_url,
    sandbox_url,
    sim,
)
from tests.bot.scenario import NOW, seed_people
from tests.conftest import make_test_settings
from tests.support.servers import LocalHttp
from web import create_app

BAND = {"min": 8000, "max": 10000, "currency": "CNY", "period": "month"}
BENEFITS = [
    {"key": "meal", "label": "餐补", "value": "每月 600 元"},
    {"key": "insurance", "label": "五险一金", "value": "按实际工资缴纳"},
]
_apps = itertools.count(1)


@pytest.fixture(scope="session")
def bot_settings(database_url: str, redis_url: str, sandbox_url: str, ehr_url: str) -> Settings:  # noqa: F811
    return make_test_settings(
        database_url,
        redis_url,
        DINGTALK_API_BASE=sandbox_url,
        DINGTALK_OAPI_BASE=sandbox_url,
        EHR_BASE_URL=ehr_url,
        DINGTALK_CARD_TEMPLATES=dict(DEFAULT_CARD_TEMPLATES),
    )


@pytest.fixture
def http(bot_runtime: Runtime) -> FlaskClient:  # noqa: F811
    """The web app; building it installs the after-commit outbox dispatch on the runtime."""
    return create_app(runtime=bot_runtime, test_config={"TESTING": True}).test_client()


def headers_of(
    runtime: Runtime, *, staff_id: str | None = None, cand: str | None = None
) -> dict[str, str]:
    with runtime.session_factory() as s:
        staff = s.get(Staff, staff_id) if staff_id else None
        candidate = s.get(Candidate, cand) if cand else None
        return f.bearer(f.token_for(staff_row=staff, candidate_row=candidate))


@pytest.fixture
def hr(bot_runtime: Runtime) -> dict[str, str]:  # noqa: F811
    return headers_of(bot_runtime, staff_id="st-hr-li")


def with_band(runtime: Runtime, position_id: str = "pos-store-night", band: object = BAND) -> None:
    with runtime.session_factory() as s:
        position = s.get(Position, position_id)
        assert position is not None
        position.extra = {"salary_band": band, "benefits": BENEFITS}
        s.commit()


@pytest.fixture
def app_id(bot_runtime: Runtime, ehr: LocalHttp, http: FlaskClient) -> str:  # noqa: F811
    """张伟's application (stage `interview`, AI score 90), known to the demo EHR too; a second
    recruiting manager (钱伟) for the retail department."""
    seed_people(bot_runtime)
    with_band(bot_runtime)
    aid = f"app-o{next(_apps)}-{NOW.strftime('%H%M%S%f')}"
    with bot_runtime.session_factory() as s:
        qian = f.staff(s, "st-mgr-qian", "recruiting_manager", uid="mgr_qianwei", name="钱伟")
        qian.departments = [StaffDepartment(department_id="d-retail")]
        f.application(s, aid, "cand-01", "pos-store-night", stage="interview")
        f.interview(s, f"iv-{aid}", aid, status="completed", attended_at=NOW - timedelta(days=3))
        f.score(s, f"sc-{aid}", f"iv-{aid}", 90.0, published_at=NOW - timedelta(days=2))
        s.commit()
    data = ev.application(
        aid, candidate_id="cand-01", position_id="pos-store-night", stage="interview"
    )
    ehr.post("/_demo/events", {"events": [ev.event("application", data)], "push": False})
    return aid


Headers = Callable[..., dict[str, str]]
