"""The draft: once per application however often the stage event comes, only for a qualifying
score, without a salary when the position has no band; the HR owners' card with the reasons."""

from __future__ import annotations

from datetime import UTC, datetime

from flask.testing import FlaskClient

from jobs.offers import draft_for_application
from sandbox.ehr.scenario import load_org, scenario_events
from services.decisions.policy import PolicyConfig
from services.ehr.sync import ingest_events
from services.offers.draft import draft_missing, draft_offer
from storage.models import Application, Score
from storage.runtime import Runtime
from storage.vocabulary import OUTBOX_OFFER_DRAFTED
from tests.offers.conftest import with_band
from tests.offers.helpers import cards, ehr_moves_to_offer, offer_row, outbox_count
from tests.support.servers import LocalHttp

HR_CARD = "mi-offer-draft-hr-v1.schema"


def test_entering_offer_drafts_once_however_often_the_event_comes(
    bot_runtime: Runtime, app_id: str, sim: LocalHttp
) -> None:
    ehr_moves_to_offer(bot_runtime, app_id)
    ehr_moves_to_offer(bot_runtime, app_id)  # the same event redelivered: deduped
    ehr_moves_to_offer(bot_runtime, app_id, version=3)  # a new version, still `offer`
    draft_for_application(app_id)  # HR's Advance path after the write-back
    with bot_runtime.session_factory() as s:  # and the service called directly once more
        again = draft_offer(s, app_id, now=datetime.now(UTC), defaults=PolicyConfig())
    assert again.action == "exists"
    offer = offer_row(bot_runtime, app_id)
    assert offer.status == "draft" and offer.salary_amount == 10_000
    assert offer.salary_reason == "岗位薪资带 8,000–10,000，综合分 90 → 10,000"
    assert [b["key"] for b in offer.benefits] == ["meal", "insurance"]
    assert offer.validity_days == 7 and offer.basis["policy"]["scope"] == "default"
    assert outbox_count(bot_runtime, OUTBOX_OFFER_DRAFTED) == 1
    for owner in ("hr_lina", "hr_wangqiang"):  # the position's HR owners, one card each
        [card] = cards(sim, owner, HR_CARD)
        data = card["public"]
        assert data["salary"] == "月薪 10,000 CNY"
        assert data["salary_reason"] == offer.salary_reason
        assert data["decision"] == "" and data["editor_url"].endswith(f"{app_id}/offer")


def test_below_the_qualifying_score_nothing_is_drafted(bot_runtime: Runtime, app_id: str) -> None:
    with bot_runtime.session_factory() as s:
        score = s.get(Score, f"sc-{app_id}")
        assert score is not None
        score.overall = 79.5
        s.commit()
    ehr_moves_to_offer(bot_runtime, app_id)
    assert draft_for_application(app_id).action == "not_qualifying"
    assert outbox_count(bot_runtime, OUTBOX_OFFER_DRAFTED) == 0


def test_a_position_without_a_band_gets_a_draft_without_salary(
    bot_runtime: Runtime, app_id: str, http: FlaskClient, hr: dict[str, str]
) -> None:
    with_band(bot_runtime, band=None)
    ehr_moves_to_offer(bot_runtime, app_id)
    offer = offer_row(bot_runtime, app_id)
    assert offer.salary_amount is None and "未设薪资带" in offer.salary_reason
    path = f"/api/v1/hr/applications/{app_id}/offer"
    refused = http.post(f"{path}/send", headers=hr)
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "offer_incomplete"
    edited = http.put(path, headers=hr, json={"salary_amount": 9000, "start_date": "2027-01-04"})
    assert edited.status_code == 200
    assert edited.get_json()["salary"]["amount"] == 9000
    assert [h["kind"] for h in edited.get_json()["history"]] == ["drafted", "edited"]


def test_a_stage_other_than_offer_drafts_nothing(bot_runtime: Runtime, app_id: str) -> None:
    assert draft_for_application(app_id).action == "not_offer_stage"


def test_the_clock_drafts_what_no_stage_change_announced(bot_runtime: Runtime, app_id: str) -> None:
    with bot_runtime.session_factory() as s:  # first seen already in `offer`: no stage change
        application = s.get(Application, app_id)
        assert application is not None
        application.stage, application.stage_changed_at = "offer", datetime.now(UTC)
        s.commit()
        drafted = draft_missing(s, now=datetime.now(UTC), defaults=PolicyConfig())
        assert [d.action for d in drafted] == ["drafted"]
        assert draft_missing(s, now=datetime.now(UTC), defaults=PolicyConfig()) == []
    assert offer_row(bot_runtime, app_id).salary_amount == 10_000


def test_the_demo_scenario_brings_one_candidate_to_an_offer(bot_runtime: Runtime) -> None:
    events = scenario_events(load_org())
    with bot_runtime.session_factory() as s:
        ingest_events(s, events, source="webhook", received_at=datetime.now(UTC))
        drafted = draft_missing(s, now=datetime.now(UTC), defaults=PolicyConfig())
    assert len(drafted) == 1
    offer = offer_row(bot_runtime, "app-13")
    assert offer.salary_reason == "岗位薪资带 6,000–7,500，综合分 93 → 7,500"
    assert [b["key"] for b in offer.benefits] == ["meal", "insurance", "night"]
