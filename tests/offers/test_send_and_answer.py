"""Sending and answering: the EHR sees each status once; the candidate's card, page, Accept
(click-signed against the terms shown), Decline and expiry; another candidate's offer is 404;
a change of terms after sending voids the old acceptance link."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient
from sqlalchemy import select

from clients.ehr import EhrClient
from jobs.offers import write_offer
from services.offers import state as st
from services.offers.clock import expire_offers
from storage.models import Position
from storage.offer_models import Offer, OfferSignature
from storage.runtime import Runtime
from storage.sync_models import OutboxEvent
from storage.vocabulary import OUTBOX_OFFER_ANSWERED, OUTBOX_OFFER_SENT
from tests.bot.conftest import run_jobs
from tests.offers.conftest import headers_of
from tests.offers.helpers import START, cards, ehr_log, ehr_moves_to_offer, offer_row, send
from tests.support.servers import LocalHttp

CANDIDATE_CARD = "mi-offer-candidate-v1.schema"
HR_CARD = "mi-offer-draft-hr-v1.schema"


def _sent(runtime: Runtime, http: FlaskClient, hr: dict[str, str], app_id: str) -> str:
    ehr_moves_to_offer(runtime, app_id)
    view = send(http, hr, app_id)
    assert view["status"] == "sent" and view["terms_version"] == 1
    run_jobs(runtime)
    return str(view["offer_id"])


def _outbox_ids(runtime: Runtime, kind: str) -> list[int]:
    with runtime.session_factory() as s:
        return list(s.scalars(select(OutboxEvent.id).where(OutboxEvent.kind == kind)))


def test_sending_writes_to_the_ehr_once_and_reaches_the_candidate(
    bot_runtime: Runtime,
    app_id: str,
    http: FlaskClient,
    hr: dict[str, str],
    ehr: LocalHttp,
    sim: LocalHttp,
) -> None:
    offer_id = _sent(bot_runtime, http, hr, app_id)
    for outbox_id in _outbox_ids(bot_runtime, OUTBOX_OFFER_SENT):
        assert write_offer(outbox_id) == "skipped"  # a retried job: nothing twice
    log = ehr_log(ehr, app_id)
    assert [e["step"] for e in log] == ["created", "sent"]
    assert log[0]["salary"] == {"amount": 10000, "currency": "CNY", "period": "month"}
    assert log[0]["reason"] == "岗位薪资带 8,000–10,000，综合分 90 → 10,000"
    offer = offer_row(bot_runtime, app_id)
    assert offer.ehr_offer_id == log[0]["offer_id"]
    [card] = cards(sim, "cand_01", CANDIDATE_CARD)
    assert card["public"]["offer_url"].endswith(f"#/offers/{offer_id}")
    assert card["public"]["salary"] == "月薪 10,000 CNY"
    hr_card = cards(sim, "hr_lina", HR_CARD)[0]["public"]
    assert hr_card["decision"] == "sent"


def test_accept_is_signed_against_the_terms_shown(
    bot_runtime: Runtime,
    app_id: str,
    http: FlaskClient,
    hr: dict[str, str],
    ehr: LocalHttp,
    sim: LocalHttp,
) -> None:
    offer_id = _sent(bot_runtime, http, hr, app_id)
    me = headers_of(bot_runtime, cand="cand-01")
    [listed] = http.get("/api/v1/me/offers", headers=me).get_json()["items"]
    shown = http.get(f"/api/v1/me/offers/{offer_id}", headers=me).get_json()
    assert listed == shown and shown["start_date"] == START
    assert shown["salary"]["amount"] == 10000 and len(shown["benefits"]) == 2
    assert "月薪 10,000 CNY" in shown["letter"] and f"入职日期：{START}" in shown["letter"]
    path = f"/api/v1/me/offers/{offer_id}/accept"
    wrong = http.post(path, headers=me, json={"terms_sha256": "0" * 64, "confirm": True})
    assert wrong.status_code == 409 and wrong.get_json()["error"]["code"] == "terms_changed"
    unconfirmed = http.post(path, headers=me, json={"terms_sha256": shown["terms_sha256"]})
    assert unconfirmed.status_code == 400
    agent = {**me, "User-Agent": "DingTalk/7.6 (test)"}
    body = {"terms_sha256": shown["terms_sha256"], "confirm": True}
    accepted = http.post(
        path, headers=agent, json=body, environ_base={"REMOTE_ADDR": "203.0.113.7"}
    )
    assert accepted.status_code == 200, accepted.get_json()
    signature = accepted.get_json()["signature"]
    assert signature["terms_sha256"] == shown["terms_sha256"]
    assert signature["client_address"] == "203.0.113.7"
    assert signature["user_agent"] == "DingTalk/7.6 (test)" and signature["valid"]
    with bot_runtime.session_factory() as s:  # the hash is of exactly what was shown
        offer = s.get(Offer, offer_id)
        position = s.get(Position, "pos-store-night")
        assert offer is not None and position is not None
        terms = st.terms_of(offer, position)
        assert st.terms_hash(terms) == signature["terms_sha256"]
        assert terms["salary"]["amount"] == shown["salary"]["amount"]
        assert terms["start_date"] == shown["start_date"] and terms["benefits"] == shown["benefits"]
    again = http.post(path, headers=me, json=body)
    assert again.status_code == 409
    run_jobs(bot_runtime)
    for outbox_id in _outbox_ids(bot_runtime, OUTBOX_OFFER_ANSWERED):
        write_offer(outbox_id)
    steps = [e["step"] for e in ehr_log(ehr, app_id)]
    assert steps == ["created", "sent", "accepted"]
    assert ehr_log(ehr, app_id)[2]["signed_at"]
    assert cards(sim, "hr_lina", HR_CARD)[0]["public"]["decision"] == "accepted"


def test_decline_with_a_reason_reaches_the_ehr(
    bot_runtime: Runtime, app_id: str, http: FlaskClient, hr: dict[str, str], ehr: LocalHttp
) -> None:
    offer_id = _sent(bot_runtime, http, hr, app_id)
    me = headers_of(bot_runtime, cand="cand-01")
    path = f"/api/v1/me/offers/{offer_id}/decline"
    declined = http.post(path, headers=me, json={"reason": "已接受其他机会"})
    assert declined.status_code == 200
    assert declined.get_json()["status"] == "declined"
    assert declined.get_json()["decline_reason"] == "已接受其他机会"
    run_jobs(bot_runtime)
    assert [e["step"] for e in ehr_log(ehr, app_id)] == ["created", "sent", "declined"]
    stats = http.get("/api/v1/hr/positions/pos-store-night/stats", headers=hr).get_json()
    assert stats["offers"] == {
        "drafted": 1,
        "sent": 1,
        "accepted": 0,
        "declined": 1,
        "expired": 0,
        "acceptance_rate": 0.0,
    }


def test_expiry_and_accept_after_expiry_refused(
    bot_runtime: Runtime, app_id: str, http: FlaskClient, hr: dict[str, str], ehr: LocalHttp
) -> None:
    offer_id = _sent(bot_runtime, http, hr, app_id)
    me = headers_of(bot_runtime, cand="cand-01")
    shown = http.get(f"/api/v1/me/offers/{offer_id}", headers=me).get_json()
    with bot_runtime.session_factory() as s:  # past its expiry, before the clock's sweep
        offer = s.get(Offer, offer_id)
        assert offer is not None
        offer.expires_at = datetime.now(UTC) - timedelta(minutes=1)
        s.commit()
    path = f"/api/v1/me/offers/{offer_id}/accept"
    body = {"terms_sha256": shown["terms_sha256"], "confirm": True}
    late = http.post(path, headers=me, json=body)
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "offer_expired"
    with bot_runtime.session_factory() as s:
        assert expire_offers(s, now=datetime.now(UTC)) == [offer_id]
        assert expire_offers(s, now=datetime.now(UTC)) == []
    run_jobs(bot_runtime)
    assert http.post(path, headers=me, json=body).status_code == 409
    assert [e["step"] for e in ehr_log(ehr, app_id)] == ["created", "sent", "expired"]


def test_another_candidates_offer_is_404(
    bot_runtime: Runtime, app_id: str, http: FlaskClient, hr: dict[str, str]
) -> None:
    offer_id = _sent(bot_runtime, http, hr, app_id)
    other = headers_of(bot_runtime, cand="cand-02")
    assert http.get(f"/api/v1/me/offers/{offer_id}", headers=other).status_code == 404
    body = {"terms_sha256": "0" * 64, "confirm": True}
    accept = http.post(f"/api/v1/me/offers/{offer_id}/accept", headers=other, json=body)
    assert accept.status_code == 404
    assert http.get("/api/v1/me/offers", headers=other).get_json()["items"] == []
    hr_other = headers_of(bot_runtime, staff_id="st-hr-sun")  # not an owner of the position
    assert http.get(f"/api/v1/hr/applications/{app_id}/offer", headers=hr_other).status_code == 404


def test_a_change_of_terms_after_sending_voids_the_old_acceptance(
    bot_runtime: Runtime, app_id: str, http: FlaskClient, hr: dict[str, str], ehr: LocalHttp
) -> None:
    offer_id = _sent(bot_runtime, http, hr, app_id)
    me = headers_of(bot_runtime, cand="cand-01")
    old = http.get(f"/api/v1/me/offers/{offer_id}", headers=me).get_json()["terms_sha256"]
    path = f"/api/v1/me/offers/{offer_id}/accept"
    assert (
        http.post(path, headers=me, json={"terms_sha256": old, "confirm": True}).status_code == 200
    )
    run_jobs(bot_runtime)
    changed = http.put(
        f"/api/v1/hr/applications/{app_id}/offer", headers=hr, json={"salary_amount": 9500}
    )
    assert changed.status_code == 200 and changed.get_json()["status"] == "draft"
    assert [s["valid"] for s in changed.get_json()["signatures"]] == [False]
    assert http.get(f"/api/v1/me/offers/{offer_id}", headers=me).status_code == 404  # a draft again
    resent = http.post(f"/api/v1/hr/applications/{app_id}/offer/send", headers=hr).get_json()
    assert resent["terms_version"] == 2 and resent["terms_sha256"] != old
    stale = http.post(path, headers=me, json={"terms_sha256": old, "confirm": True})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "terms_changed"
    new = http.post(
        path, headers=me, json={"terms_sha256": resent["terms_sha256"], "confirm": True}
    )
    assert new.status_code == 200
    with bot_runtime.session_factory() as s:
        rows = s.scalars(select(OfferSignature).order_by(OfferSignature.id)).all()
        assert [(r.terms_version, r.valid) for r in rows] == [(1, False), (2, True)]
    run_jobs(bot_runtime)  # the EHR: the first offer withdrawn, the new terms a new offer
    log = [(e["offer_id"], e["step"]) for e in ehr_log(ehr, app_id)]
    first, second = log[0][0], log[-1][0]
    assert first != second
    assert log == [
        (first, "created"),
        (first, "sent"),
        (first, "accepted"),
        (first, "withdrawn"),
        (second, "created"),
        (second, "sent"),
        (second, "accepted"),
    ]
    assert offer_row(bot_runtime, app_id).ehr_offer_id == second


def test_an_ehr_conflict_reconciles_to_the_ehrs_offer(
    bot_runtime: Runtime, app_id: str, http: FlaskClient, hr: dict[str, str], ehr: LocalHttp
) -> None:
    ehr_moves_to_offer(bot_runtime, app_id)
    client = EhrClient.from_settings(bot_runtime.settings)
    theirs = client.create_offer(  # HR entered one in the EHR meanwhile
        app_id,
        salary={"amount": 9000, "currency": "CNY", "period": "month"},
        start_date=None,
        expires_at=datetime.now(UTC) + timedelta(days=7),
        benefits=[],
        actor_staff_id="st-hr-wang",
        reason="entered in the EHR",
        idempotency_key=uuid.uuid4().hex,
    )
    client.close()
    send(http, hr, app_id)
    run_jobs(bot_runtime)
    offer = offer_row(bot_runtime, app_id)
    assert offer.ehr_offer_id == theirs["id"]
    steps = [(e["offer_id"], e["step"]) for e in ehr_log(ehr, app_id)]
    assert steps == [(theirs["id"], "created"), (theirs["id"], "sent")]
    view = http.get(f"/api/v1/hr/applications/{app_id}/offer", headers=hr).get_json()
    kinds = [h["kind"] for h in view["history"]]
    assert kinds == ["drafted", "edited", "sent", "ehr_conflict", "ehr_written"]
