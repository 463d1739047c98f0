"""A salary outside the band waits for a recruiting manager; of two managers answering at once,
the first answer wins and every copy of the card says who decided."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from flask.testing import FlaskClient

from services.card_actions.click import CardActionResult
from services.card_actions.handle import handle_card_action
from storage.runtime import Runtime
from tests.bot.conftest import run_jobs
from tests.offers.helpers import cards, ehr_log, ehr_moves_to_offer, offer_row, send
from tests.support.servers import LocalHttp

APPROVAL = "mi-offer-approval-manager-v1.schema"
MANAGERS = {"mgr_zhaomin": "赵敏", "mgr_qianwei": "钱伟"}


def _click_at_once(runtime: Runtime, clicks: list[tuple[str, str, str]]) -> list[CardActionResult]:
    barrier = threading.Barrier(len(clicks))
    results: list[Any] = [None] * len(clicks)

    def click(i: int, track: str, user: str, action: str) -> None:
        with runtime.session_factory() as session:
            barrier.wait()
            results[i] = handle_card_action(
                session,
                out_track_id=track,
                user_id=user,
                action=action,
                params={"note": "salary_too_high"},
                now=datetime.now(UTC),
            )

    threads = [threading.Thread(target=click, args=(i, *c)) for i, c in enumerate(clicks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_out_of_band_waits_and_two_managers_at_once_make_one_decision(
    bot_runtime: Runtime,
    app_id: str,
    http: FlaskClient,
    hr: dict[str, str],
    ehr: LocalHttp,
    sim: LocalHttp,
) -> None:
    ehr_moves_to_offer(bot_runtime, app_id)
    view = send(http, hr, app_id, salary_amount=12000, salary_reason="候选人有竞争 offer")
    assert view["status"] == "pending_approval" and view["outside_band"]
    assert view["approval_state"] == "pending"
    again = http.post(f"/api/v1/hr/applications/{app_id}/offer/send", headers=hr)
    assert again.status_code == 409
    run_jobs(bot_runtime)
    assert ehr_log(ehr, app_id) == []  # nothing reaches the EHR before the approval
    tracks = {uid: cards(sim, uid, APPROVAL)[0]["out_track_id"] for uid in MANAGERS}
    assert cards(sim, "mgr_zhaomin", APPROVAL)[0]["public"]["band"] == "8,000–10,000"
    results = _click_at_once(
        bot_runtime,
        [
            (tracks["mgr_zhaomin"], "mgr_zhaomin", "offer_approve"),
            (tracks["mgr_qianwei"], "mgr_qianwei", "offer_send_back"),
        ],
    )
    outcomes = sorted(r.outcome for r in results)
    assert outcomes == ["already_decided", "done"], results
    winner = next(r for r in results if r.outcome == "done")
    loser = next(r for r in results if r.outcome != "done")
    assert loser.card_data["decision"] == winner.card_data["decision"]
    assert loser.card_data["decided_by"] == winner.card_data["decided_by"]
    run_jobs(bot_runtime)
    for uid in MANAGERS:  # every copy says who decided
        data = cards(sim, uid, APPROVAL)[0]["public"]
        assert data["decision"] == winner.card_data["decision"]
        assert data["decided_by"] == winner.card_data["decided_by"]
    offer = offer_row(bot_runtime, app_id)
    if winner.card_data["decision"] == "approved":
        assert offer.status == "sent" and offer.approval_by == "st-mgr-zhao"
        steps = [(e["step"], e.get("actor_id")) for e in ehr_log(ehr, app_id)]
        assert steps == [("created", None), ("approved", "st-mgr-zhao"), ("sent", "st-hr-li")]
    else:
        assert offer.status == "draft" and offer.approval_note == "薪资过高"
        assert ehr_log(ehr, app_id) == []


def test_within_the_band_no_approval_is_asked(
    bot_runtime: Runtime, app_id: str, http: FlaskClient, hr: dict[str, str], sim: LocalHttp
) -> None:
    ehr_moves_to_offer(bot_runtime, app_id)
    assert send(http, hr, app_id, salary_amount=9500)["status"] == "sent"
    run_jobs(bot_runtime)
    assert cards(sim, "mgr_zhaomin", APPROVAL) == []


def test_an_hr_specialist_cannot_approve(
    bot_runtime: Runtime, app_id: str, http: FlaskClient, hr: dict[str, str], sim: LocalHttp
) -> None:
    ehr_moves_to_offer(bot_runtime, app_id)
    send(http, hr, app_id, salary_amount=12000)
    run_jobs(bot_runtime)
    track = cards(sim, "mgr_zhaomin", APPROVAL)[0]["out_track_id"]
    with bot_runtime.session_factory() as session:
        result = handle_card_action(
            session,
            out_track_id=track,
            user_id="hr_lina",
            action="offer_approve",
            params={},
            now=datetime.now(UTC),
        )
    assert result.outcome == "refused" or result.outcome == "not_permitted"
    assert offer_row(bot_runtime, app_id).status == "pending_approval"


def test_an_approval_sends_the_offer_and_reaches_the_ehr(
    bot_runtime: Runtime,
    app_id: str,
    http: FlaskClient,
    hr: dict[str, str],
    ehr: LocalHttp,
    sim: LocalHttp,
) -> None:
    ehr_moves_to_offer(bot_runtime, app_id)
    send(http, hr, app_id, salary_amount=12000)
    run_jobs(bot_runtime)
    track = cards(sim, "mgr_qianwei", APPROVAL)[0]["out_track_id"]
    [result] = _click_at_once(bot_runtime, [(track, "mgr_qianwei", "offer_approve")])
    assert result.outcome == "done" and result.card_data["decided_by"] == "钱伟"
    run_jobs(bot_runtime)
    offer = offer_row(bot_runtime, app_id)
    assert offer.status == "sent" and offer.salary_amount == 12000
    steps = [(e["step"], e.get("actor_id")) for e in ehr_log(ehr, app_id)]
    assert steps == [("created", None), ("approved", "st-mgr-qian"), ("sent", "st-hr-li")]
    assert cards(sim, "mgr_zhaomin", APPROVAL)[0]["public"]["decided_by"] == "钱伟"
    assert len(cards(sim, "cand_01", "mi-offer-candidate-v1.schema")) == 1


def test_a_send_back_reaches_hr_with_the_note(
    bot_runtime: Runtime,
    app_id: str,
    http: FlaskClient,
    hr: dict[str, str],
    ehr: LocalHttp,
    sim: LocalHttp,
) -> None:
    ehr_moves_to_offer(bot_runtime, app_id)
    send(http, hr, app_id, salary_amount=12000)
    run_jobs(bot_runtime)
    track = cards(sim, "mgr_zhaomin", APPROVAL)[0]["out_track_id"]
    [result] = _click_at_once(bot_runtime, [(track, "mgr_zhaomin", "offer_send_back")])
    assert result.outcome == "done" and result.card_data["decision"] == "sent_back"
    run_jobs(bot_runtime)
    offer = offer_row(bot_runtime, app_id)
    assert offer.status == "draft" and offer.approval_note == "薪资过高"
    data = cards(sim, "hr_lina", "mi-offer-draft-hr-v1.schema")[0]["public"]
    assert data["approval"] == "赵敏 已退回修改：薪资过高" and data["decision"] == ""
    assert ehr_log(ehr, app_id) == []
    view = http.get(f"/api/v1/hr/applications/{app_id}/offer", headers=hr).get_json()
    assert view["approval_state"] == "sent_back" and view["approval_note"] == "薪资过高"
