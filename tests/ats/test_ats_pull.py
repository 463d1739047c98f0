"""EHR_SOURCE=dingtalk_ats: the pull reads DingTalk's recruiting module (the sandbox's ats_1.0)
through the real SDK, as contract events, and keeps its cursor like the feed's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clients.dingtalk import make_dingtalk_client
from jobs import context
from jobs.sync import run_pull
from jobs.writeback import write_back
from sandbox.dingtalk.testing import running_sandbox
from services.ehr.pull import FEED_CURSOR
from services.notify.policy import policy_from_settings
from storage.action_models import Decision
from storage.models import Application, Candidate, Interview, Position, Staff
from storage.runtime import Runtime
from storage.sync_models import EhrEvent, OutboxEvent, SyncCursor
from tests import factories as f
from tests.conftest import make_test_settings
from tests.support.servers import LocalHttp
from web import create_app

FLOWS = 20


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    with running_sandbox() as url:
        yield url


@pytest.fixture
def sim(sandbox_url: str) -> LocalHttp:
    sim = LocalHttp(sandbox_url)
    sim.post("/_sim/reset")
    sim.http.delete(sandbox_url + "/_sim/faults", timeout=10)
    return sim


@pytest.fixture
def ats_runtime(runtime: Runtime, sim: LocalHttp) -> Runtime:
    runtime.settings = make_test_settings(
        runtime.settings.require("DATABASE_URL"),
        runtime.settings.require("REDIS_URL"),
        DINGTALK_API_BASE=sim.base_url,
        DINGTALK_OAPI_BASE=sim.base_url,
        EHR_SOURCE="dingtalk_ats",
        DINGTALK_ATS_OP_USER_ID="hr_lina",
        EHR_PULL_PAGE_SIZE=5,
        EHR_PULL_TRANSACTION_EVENTS=1,
    )
    return runtime


def _count(session: Session, model: type) -> int:
    session.expire_all()
    value = session.scalar(select(func.count()).select_from(model)) or 0
    session.rollback()
    return value


def test_a_first_load_reads_every_flow_with_its_job_owners_and_interviews(
    ats_runtime: Runtime, session: Session
) -> None:
    progress = run_pull(ats_runtime)

    assert progress.pages == 4
    assert _count(session, Application) == FLOWS
    assert _count(session, Candidate) == FLOWS
    store = session.get(Position, "ats-p-job_store_night")
    assert store is not None and store.title == "门店店员（夜班）"
    assert sorted(store.hr_owner_ids) == ["ats-st-hr_lina", "ats-st-hr_wangqiang"]
    lina = session.get(Staff, "ats-st-hr_lina")
    assert lina is not None and (lina.dingtalk_user_id, lina.role) == ("hr_lina", "hr_specialist")
    advanced = session.get(Application, "ats-a-flow_07")
    assert advanced is not None and advanced.stage == "interview"
    round_ = session.get(Interview, "ats-i-ats_iv_07")
    assert round_ is not None
    assert (round_.application_id, round_.kind, round_.duration_minutes) == (
        "ats-a-flow_07",
        "onsite",
        60,
    )
    cursor = session.get(SyncCursor, FEED_CURSOR)
    assert cursor is not None and cursor.cursor is not None and cursor.cursor.endswith("::")


def test_an_incremental_pull_reads_only_the_modified_flow(
    ats_runtime: Runtime, session: Session, sim: LocalHttp
) -> None:
    run_pull(ats_runtime)
    events_before = _count(session, EhrEvent)
    sim.post("/_sim/ats/flows/flow_03", {"currentStatus": "rejected"})

    progress = run_pull(ats_runtime)

    summary = progress.summary()
    assert summary["applied"] >= 2  # the flow's application and candidate, at their new version
    assert progress.pages == 1
    session.expire_all()
    rejected = session.get(Application, "ats-a-flow_03")
    assert rejected is not None and rejected.stage == "rejected"
    assert rejected.version > 1
    others = session.scalars(
        select(Application.stage).where(Application.id != "ats-a-flow_03")
    ).all()
    assert "rejected" not in others
    # Only the changed flow (and its job's organisation rows) came in again.
    assert _count(session, EhrEvent) - events_before <= 6


def test_a_crash_mid_page_resumes_from_the_cursor_without_loss_or_doubling(
    ats_runtime: Runtime, session: Session, sim: LocalHttp
) -> None:
    # Page 3 (flows 11-15) is the first with the warehouse job: reading it fails half-way.
    sim.post("/_sim/faults", {"path": "/v1.0/ats/jobs/job_warehouse/info", "kind": "500"})

    with pytest.raises(Exception, match="ats/jobs/info"):
        run_pull(ats_runtime)

    assert _count(session, Application) == 10  # pages 1 and 2, durable with their cursor
    cursor = session.get(SyncCursor, FEED_CURSOR)
    assert cursor is not None and cursor.cursor is not None and not cursor.cursor.endswith("::")
    first_events = _count(session, EhrEvent)

    progress = run_pull(ats_runtime)

    assert progress.pages == 2  # pages 3 and 4 only
    assert progress.summary()["duplicate"] == 0
    assert _count(session, Application) == FLOWS
    session.expire_all()
    ids = list(session.scalars(select(EhrEvent.id)))
    assert len(ids) == len(set(ids)) and len(ids) > first_events


def test_a_decision_is_kept_locally_and_says_it_was_not_written_back(
    ats_runtime: Runtime, session: Session
) -> None:
    run_pull(ats_runtime)
    lina = session.get(Staff, "ats-st-hr_lina")
    assert lina is not None
    client = create_app(runtime=ats_runtime, test_config={"TESTING": True}).test_client()

    response = client.post(
        "/api/v1/hr/applications/ats-a-flow_01/decisions",
        json={"decision": "advance", "reason": "good"},
        headers={"Authorization": f"Bearer {f.token_for(staff_row=lina)}"},
    )

    assert response.status_code == 201, response.json
    outbox = session.scalars(
        select(OutboxEvent).where(OutboxEvent.entity_id == "ats-a-flow_01")
    ).all()
    assert outbox
    context.install(
        context.WorkerContext(
            runtime=ats_runtime,
            dingtalk=make_dingtalk_client(ats_runtime.settings, ats_runtime.redis),
            notify_policy=policy_from_settings(ats_runtime.settings),
        )
    )
    states = {write_back(o.id) for o in outbox}
    assert "not_written" in states
    session.expire_all()
    decision = session.scalars(select(Decision)).one()
    assert decision.writeback_state == "not_written"
    assert decision.writeback_error == "not written back: the source has no decision API"
    application = session.get(Application, "ats-a-flow_01")
    # Advanced from screening in the cache at once; the recruiting module still says screening.
    assert application is not None and application.stage == "ai_interview"


def test_the_vendor_export_adds_scores_to_the_recruiting_modules_candidates(
    ats_runtime: Runtime, session: Session
) -> None:
    """The module has no scores and no mobiles: the import finds its candidate by name and the
    position applied to, and hangs the AI interview and score on the module's application."""
    import base64

    from tests.imports.conftest import ZH_HEADERS, csv_bytes

    run_pull(ats_runtime)
    admin = f.staff(session, "st-admin", "admin", uid="admin_chengang")
    session.commit()
    client = create_app(runtime=ats_runtime, test_config={"TESTING": True}).test_client()
    row = [1, "张伟", "13800130001", "门店店员（夜班）", "2026-11-20 10:00", 84, 80, 88, "好"]
    content = csv_bytes(ZH_HEADERS, [row], encoding="gbk")
    auth = {"Authorization": f"Bearer {f.token_for(staff_row=admin)}"}

    preview = client.post(
        "/api/v1/admin/imports",
        json={"filename": "s.csv", "content_base64": base64.b64encode(content).decode()},
        headers=auth,
    ).json
    applied = client.post(f"/api/v1/admin/imports/{preview['import_id']}/apply", headers=auth)

    assert preview["items"][0]["candidate_id"] == "ats-c-atscand_01"
    assert applied.status_code == 200
    session.expire_all()
    interviews = session.scalars(
        select(Interview).where(Interview.application_id == "ats-a-flow_01")
    ).all()
    assert [i.kind for i in interviews] == ["ai"]
    published = session.scalars(
        select(OutboxEvent).where(OutboxEvent.kind == "score.published")
    ).all()
    assert len(published) == 1


def test_the_recruiting_source_without_its_operator_stops_at_start() -> None:
    from config.settings import SettingsError, load_settings

    with pytest.raises(SettingsError, match="DINGTALK_ATS_OP_USER_ID"):
        load_settings(APP_ENV="development", EHR_SOURCE="dingtalk_ats", _env_file=None)


def test_a_cursor_left_by_the_ehr_feed_starts_the_module_from_the_beginning(
    ats_runtime: Runtime, session: Session
) -> None:
    session.add(SyncCursor(name=FEED_CURSOR, cursor="c-1042"))
    session.commit()

    progress = run_pull(ats_runtime)

    assert progress.pages == 4
    assert _count(session, Application) == FLOWS
