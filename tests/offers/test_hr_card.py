"""HR's draft card: Send without a start date tells the clicker what is missing; Send after the
editor filled it sends; Hold puts a draft aside; another HR user of another position may not."""

from __future__ import annotations

from datetime import UTC, datetime

from flask.testing import FlaskClient

from services.card_actions.click import CardActionResult
from services.card_actions.handle import handle_card_action
from storage.runtime import Runtime
from tests.bot.conftest import run_jobs
from tests.offers.helpers import START, cards, ehr_moves_to_offer, offer_row
from tests.support.servers import LocalHttp

HR_CARD = "mi-offer-draft-hr-v1.schema"


def _press(runtime: Runtime, track: str, user: str, action: str) -> CardActionResult:
    with runtime.session_factory() as session:
        return handle_card_action(
            session,
            out_track_id=track,
            user_id=user,
            action=action,
            params={},
            now=datetime.now(UTC),
        )


def test_send_from_the_card(
    bot_runtime: Runtime, app_id: str, http: FlaskClient, hr: dict[str, str], sim: LocalHttp
) -> None:
    ehr_moves_to_offer(bot_runtime, app_id)
    track = cards(sim, "hr_lina", HR_CARD)[0]["out_track_id"]
    early = _press(bot_runtime, track, "hr_lina", "offer_send")
    assert early.outcome == "refused" and "入职日期" in early.message
    assert offer_row(bot_runtime, app_id).status == "draft"
    path = f"/api/v1/hr/applications/{app_id}/offer"
    assert http.put(path, headers=hr, json={"start_date": START}).status_code == 200
    sent = _press(bot_runtime, track, "hr_lina", "offer_send")
    assert sent.outcome == "done" and sent.card_data["decision"] == "sent"
    again = _press(bot_runtime, track, "hr_wangqiang", "offer_send")  # the co-owner, later
    assert again.outcome == "already_decided"
    assert offer_row(bot_runtime, app_id).terms_version == 1
    run_jobs(bot_runtime)
    assert cards(sim, "hr_wangqiang", HR_CARD)[0]["public"]["decision"] == "sent"


def test_hold_and_scope(bot_runtime: Runtime, app_id: str, sim: LocalHttp) -> None:
    ehr_moves_to_offer(bot_runtime, app_id)
    track = cards(sim, "hr_lina", HR_CARD)[0]["out_track_id"]
    outsider = _press(bot_runtime, track, "hr_sunli", "offer_hold")  # not an owner
    assert outsider.outcome == "not_permitted"
    held = _press(bot_runtime, track, "hr_lina", "offer_hold")
    assert held.outcome == "done" and offer_row(bot_runtime, app_id).status == "held"
