"""OFFER_SIGNING=dingtalk_esign: the candidate's Accept opens a DingTalk e-signature flow for the
offer letter (the real SDK against the sandbox); the flow completed in the sandbox accepts the
offer (the signature record names the flow), refused declines it, and a flow of terms HR
changed since counts for nothing."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from jobs import context
from jobs.offers import sweep_offers_job
from storage.models import Candidate
from storage.offer_models import OfferSignature
from storage.runtime import Runtime
from tests.bot.conftest import run_jobs
from tests.offers.conftest import headers_of
from tests.offers.helpers import ehr_log, ehr_moves_to_offer, offer_row, send
from tests.support.servers import LocalHttp
from web import create_app


@pytest.fixture
def esign(bot_runtime: Runtime) -> Runtime:
    """The bot suite's runtime with OFFER_SIGNING=dingtalk_esign, installed for the jobs; 张伟
    has a mobile (the signer's account)."""
    settings = bot_runtime.settings.model_copy(update={"OFFER_SIGNING": "dingtalk_esign"})
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
def app(esign: Runtime) -> FlaskClient:
    return create_app(runtime=esign, test_config={"TESTING": True}).test_client()


def _accept(
    esign: Runtime, http: FlaskClient, app: FlaskClient, hr: dict[str, str], app_id: str
) -> tuple[str, dict[str, Any]]:
    """HR sends; the candidate presses Accept on the terms shown: a signing URL."""
    with esign.session_factory() as s:
        candidate = s.get(Candidate, "cand-01")
        assert candidate is not None
        candidate.mobile = "13800000001"
        s.commit()
    ehr_moves_to_offer(esign, app_id)
    offer_id = str(send(http, hr, app_id)["offer_id"])
    run_jobs(esign)
    me = headers_of(esign, cand="cand-01")
    shown = app.get(f"/api/v1/me/offers/{offer_id}", headers=me).get_json()
    body = {"terms_sha256": shown["terms_sha256"], "confirm": True}
    answer = app.post(f"/api/v1/me/offers/{offer_id}/accept", headers=me, json=body)
    assert answer.status_code == 200, answer.get_json()
    return offer_id, dict(answer.get_json())


def test_a_flow_signed_in_dingtalk_accepts_the_offer(
    esign: Runtime,
    app_id: str,
    http: FlaskClient,
    app: FlaskClient,
    hr: dict[str, str],
    ehr: LocalHttp,
    sim: LocalHttp,
) -> None:
    offer_id, answer = _accept(esign, http, app, hr, app_id)
    assert answer["signature"] is None and answer["offer"]["status"] == "sent"
    [flow] = sim.get("/_sim/esign")["flows"]
    assert answer["sign_url"].endswith(f"/_sim/esign/{flow['taskId']}/page")
    assert "录用意向书" in flow["files"][0]["content"] and "张伟" in flow["files"][0]["content"]
    assert flow["initiatorUserId"] == "hr_lina" and "account" not in flow["signers"][0]
    me = headers_of(esign, cand="cand-01")
    again = app.post(
        f"/api/v1/me/offers/{offer_id}/accept",
        headers=me,
        json={"terms_sha256": answer["offer"]["terms_sha256"], "confirm": True},
    ).get_json()
    assert again["sign_url"] == answer["sign_url"]  # one flow per version of the terms
    assert len(sim.get("/_sim/esign")["flows"]) == 1
    assert sweep_offers_job().get("esign_signing") == 1  # not signed yet: nothing changes
    assert offer_row(esign, app_id).status == "sent"

    sim.post(f"/_sim/esign/{flow['taskId']}/complete")
    assert sweep_offers_job().get("esign_accepted") == 1
    offer = offer_row(esign, app_id)
    assert offer.status == "accepted"
    with esign.session_factory() as s:
        [signature] = s.scalars(select(OfferSignature)).all()
    assert signature.method == "dingtalk_esign" and signature.esign_flow_id == flow["taskId"]
    assert signature.terms_sha256 == offer.terms_sha256 and signature.valid
    run_jobs(esign)
    assert [e["step"] for e in ehr_log(ehr, app_id)] == ["created", "sent", "accepted"]
    assert sweep_offers_job().get("esign_accepted") is None  # answered once


def test_a_refused_flow_declines_the_offer(
    esign: Runtime,
    app_id: str,
    http: FlaskClient,
    app: FlaskClient,
    hr: dict[str, str],
    ehr: LocalHttp,
    sim: LocalHttp,
) -> None:
    _accept(esign, http, app, hr, app_id)
    [flow] = sim.get("/_sim/esign")["flows"]
    sim.post(f"/_sim/esign/{flow['taskId']}/refuse")
    assert sweep_offers_job().get("esign_declined") == 1
    offer = offer_row(esign, app_id)
    assert offer.status == "declined" and offer.decline_reason == "候选人在电子签中拒签"
    run_jobs(esign)
    assert [e["step"] for e in ehr_log(ehr, app_id)] == ["created", "sent", "declined"]


def test_a_flow_of_terms_changed_since_counts_for_nothing(
    esign: Runtime,
    app_id: str,
    http: FlaskClient,
    app: FlaskClient,
    hr: dict[str, str],
    sim: LocalHttp,
) -> None:
    _accept(esign, http, app, hr, app_id)
    [flow] = sim.get("/_sim/esign")["flows"]
    send(http, hr, app_id, salary_amount=9500)  # new terms, sent again (version 2)
    sim.post(f"/_sim/esign/{flow['taskId']}/complete")
    assert sweep_offers_job().get("esign_stale") == 1
    offer = offer_row(esign, app_id)
    assert offer.status == "sent" and offer.terms_version == 2
