"""OFFER_APPROVAL_PROCESS_CODE: an out-of-band offer's approval runs as a DingTalk OA approval
through the real SDK against the sandbox; an approver's decision in the sandbox reaches the
offer by DingTalk's `bpms_instance_change` event (encrypted HTTP), or by the offer sweep's
polling when the event is lost; either way through the cards' first-answer-wins service."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from bot.handoff import HANDED_OFF
from bot.inbound import IGNORED, accept_event
from jobs import context
from jobs.offer_approvals import apply_approval_instance
from jobs.offers import sweep_offers_job
from storage.models import Staff
from storage.runtime import Runtime
from tests.bot.conftest import Listener, run_jobs
from tests.offers.helpers import cards, ehr_log, ehr_moves_to_offer, offer_row, send
from tests.support.servers import LocalHttp, wait_for
from web import create_app

CODE = "PROC-OFFER-APPROVAL"
APPROVAL = "mi-offer-approval-manager-v1.schema"


@pytest.fixture
def oa(bot_runtime: Runtime) -> Runtime:
    """The bot suite's runtime with OFFER_APPROVAL_PROCESS_CODE set, installed for the jobs."""
    settings = bot_runtime.settings.model_copy(update={"OFFER_APPROVAL_PROCESS_CODE": CODE})
    runtime = Runtime(
        settings=settings,
        engine=bot_runtime.engine,
        session_factory=bot_runtime.session_factory,
        redis=bot_runtime.redis,
    )
    worker = context.current()
    context.install(
        context.WorkerContext(
            runtime=runtime, dingtalk=worker.dingtalk, notify_policy=worker.notify_policy
        )
    )
    return runtime


@pytest.fixture
def oa_web(oa: Runtime) -> Iterator[str]:
    """The real web app (with the setting) on a loopback port, for the sandbox's HTTP events."""
    app = create_app(runtime=oa, test_config={"TESTING": True})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _ask(oa: Runtime, http: FlaskClient, hr: dict[str, str], app_id: str) -> dict[str, Any]:
    """HR sends 12,000 (band 8,000-10,000); the job starts the OA approval."""
    ehr_moves_to_offer(oa, app_id)
    view = send(http, hr, app_id, salary_amount=12000, salary_reason="候选人有竞争 offer")
    assert view["status"] == "pending_approval"
    run_jobs(oa)
    return dict(view)


def _instance(sim: LocalHttp) -> dict[str, Any]:
    approvals = sim.get("/_sim/approvals")["approvals"]
    assert len(approvals) == 1, approvals
    return dict(approvals[0])


def test_the_approval_starts_in_dingtalk_and_its_event_sends_the_offer(
    oa: Runtime,
    oa_web: str,
    app_id: str,
    http: FlaskClient,
    hr: dict[str, str],
    ehr: LocalHttp,
    sim: LocalHttp,
) -> None:
    _ask(oa, http, hr, app_id)
    instance = _instance(sim)
    assert instance["processCode"] == CODE and instance["status"] == "RUNNING"
    assert instance["originatorUserId"] == "hr_lina"
    form = {c["name"]: c["value"] for c in instance["formComponentValues"]}
    assert "12,000" in form["薪资"] and form["岗位薪资带"] == "8,000–10,000"
    assert form["薪资说明"] == "候选人有竞争 offer" and form["综合分"] == "90.0"
    assert cards(sim, "mgr_zhaomin", APPROVAL) == []  # no card of ours: DingTalk asks them
    assert offer_row(oa, app_id).basis["oa_instance_id"] == instance["processInstanceId"]
    assert ehr_log(ehr, app_id) == []

    registered = sim.post("/_sim/event-subscription", {"url": f"{oa_web}/dingtalk/events"})
    assert registered["registered"], registered
    path = f"/_sim/approvals/{instance['processInstanceId']}/decide"
    sim.post(path, {"result": "agree", "remark": "同意，人才难得"})
    wait_for(
        lambda: [e for e in sim.get("/_sim/http-events")["http_events"] if e["ok"]][1:],
        what="the approval's HTTP event acknowledged",
    )
    run_jobs(oa)
    offer = offer_row(oa, app_id)
    assert offer.status == "sent" and offer.approval_state == "approved"
    assert offer.approval_by == "st-mgr-zhao" and offer.approval_note == "同意，人才难得"
    assert [e["step"] for e in ehr_log(ehr, app_id)] == ["created", "approved", "sent"]
    # The sweep's polling (or a redelivered event) finds nothing left to decide.
    assert "approval_done" not in sweep_offers_job()
    assert apply_approval_instance(instance["processInstanceId"]) == "duplicate"


def test_a_lost_event_is_made_up_for_by_the_sweeps_polling(
    oa: Runtime, app_id: str, http: FlaskClient, hr: dict[str, str], sim: LocalHttp
) -> None:
    _ask(oa, http, hr, app_id)
    instance = _instance(sim)
    assert sweep_offers_job().get("approval_running") == 1  # still waiting: nothing changes
    assert offer_row(oa, app_id).status == "pending_approval"
    path = f"/_sim/approvals/{instance['processInstanceId']}/decide"
    sim.post(path, {"result": "refuse", "remark": "超出预算", "emit": False})
    assert sweep_offers_job().get("approval_done") == 1
    offer = offer_row(oa, app_id)
    assert offer.status == "draft" and offer.approval_state == "sent_back"
    assert offer.approval_note == "超出预算"
    run_jobs(oa)
    # HR sends again: a new request, a new instance; the old one no longer counts.
    again = http.post(f"/api/v1/hr/applications/{app_id}/offer/send", headers=hr)
    assert again.json is not None and again.json["status"] == "pending_approval"
    run_jobs(oa)
    approvals = sim.get("/_sim/approvals")["approvals"]
    assert len(approvals) == 2
    assert apply_approval_instance(instance["processInstanceId"]) == "stale"
    assert offer_row(oa, app_id).basis["oa_instance_id"] == approvals[1]["processInstanceId"]


def test_hr_without_a_dingtalk_account_falls_back_to_the_managers_cards(
    oa: Runtime, app_id: str, http: FlaskClient, hr: dict[str, str], sim: LocalHttp
) -> None:
    with oa.session_factory() as s:
        staff = s.get(Staff, "st-hr-li")
        assert staff is not None
        staff.dingtalk_user_id = None
        s.commit()
    _ask(oa, http, hr, app_id)
    assert sim.get("/_sim/approvals")["approvals"] == []
    assert len(cards(sim, "mgr_zhaomin", APPROVAL)) == 1
    assert offer_row(oa, app_id).basis["approval_via"] == "cards"


def test_only_the_offers_finished_approvals_are_handed_off(oa: Runtime) -> None:
    def accept(event_id: str, **data: Any) -> str:
        base = {"processInstanceId": "inst-1", "processCode": CODE, "type": "finish"}
        return accept_event(
            oa, event_type="bpms_instance_change", event_id=event_id, data={**base, **data}
        )

    assert accept("e-leave", processCode="PROC-LEAVE") == IGNORED
    assert accept("e-start", type="start") == IGNORED
    assert accept("e-finish", result="agree") == HANDED_OFF
    assert accept("e-finish", result="agree") != HANDED_OFF  # redelivered: a duplicate


def test_the_approvals_event_over_stream_reaches_the_offer(
    oa: Runtime,
    app_id: str,
    http: FlaskClient,
    hr: dict[str, str],
    sim: LocalHttp,
    tmp_path: Path,
) -> None:
    listener = Listener(oa.settings, tmp_path / "listener.log")  # a real bot.listener process
    try:
        wait_for(
            lambda: sim.get("/_sim/connections")["connections"],
            timeout=30,
            what=f"listener connection (log: {listener.log})",
        )
        _ask(oa, http, hr, app_id)
        instance = _instance(sim)
        path = f"/_sim/approvals/{instance['processInstanceId']}/decide"
        decided = sim.post(path, {"result": "refuse", "remark": "请先和候选人沟通"})
        event_id = decided["event"]["event_id"]
        events = {event_id: ""}

        def acked() -> bool:
            found = sim.get("/_sim/events")["events"]
            events.update({e["event_id"]: e["status"] for e in found if e["event_id"] == event_id})
            return events[event_id] == "acked"

        wait_for(acked, what="the approval's Stream event acknowledged")
    finally:
        listener.stop()
    run_jobs(oa)
    offer = offer_row(oa, app_id)
    assert offer.status == "draft" and offer.approval_state == "sent_back"
    assert offer.approval_note == "请先和候选人沟通"
