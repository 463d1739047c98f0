"""After the check passes (HR's Pass on a check to consider), the HR owners confirm date and
place on the card; the notice is written to the EHR once, the candidate gets 入职通知 and reads
the page with what to bring and the training plan from the weak dimension. Another candidate's
notice is 404; with BGCHECK_VENDOR=none the notice follows the accepted offer directly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask.testing import FlaskClient
from sqlalchemy import update

from jobs.escalation import escalate_unread
from jobs.onboarding import create_preentry
from services.card_actions.handle import handle_card_action
from services.onboarding.training_plan import NOTHING_WEAK
from storage.action_models import Delivery
from storage.bgcheck_models import OnboardingNotice
from storage.models import Candidate, ScoreDimension
from storage.runtime import Runtime
from tests.bgcheck.helpers import accept_offer, check_row, complete, consent, deliver
from tests.bot.conftest import run_jobs
from tests.bot.scenario import HR_LI, HR_WANG
from tests.offers.conftest import headers_of
from tests.offers.helpers import START, cards
from tests.support.servers import LocalHttp

CONFIRM = "mi-onboarding-confirm-hr-v1.schema"
NOTICE = "mi-onboarding-notice-v1.schema"


def _weak_negotiation(runtime: Runtime, app_id: str) -> None:
    with runtime.session_factory() as s:
        s.add(
            ScoreDimension(
                score_id=f"sc-{app_id}",
                key="negotiation",
                label="谈判技巧",
                score=70.0,
                max_score=100.0,
                ordinal=0,
            )
        )
        s.commit()


def _click(runtime: Runtime, track: str, user: str, action: str) -> str:
    with runtime.session_factory() as session:
        result = handle_card_action(
            session,
            out_track_id=track,
            user_id=user,
            action=action,
            params={},
            now=datetime.now(UTC),
        )
    return result.outcome


def test_pass_then_confirm_sends_the_notice_with_the_training_plan(
    bot_runtime: Runtime,
    app_id: str,
    http: FlaskClient,
    hr: dict[str, str],
    ehr: LocalHttp,
    sim: LocalHttp,
    vendor: LocalHttp,
) -> None:
    _weak_negotiation(bot_runtime, app_id)
    vendor.post(
        "/_vendor/outcomes", {"custom_id": "cand-01", "items": {"court_records": "consider"}}
    )
    try:
        accept_offer(bot_runtime, http, hr, app_id)
        assert consent(bot_runtime, http).status_code == 200
        run_jobs(bot_runtime)
        reference = check_row(bot_runtime, app_id).vendor_reference
        assert reference is not None
        assert deliver(http, complete(vendor, reference)).status_code == 200
        run_jobs(bot_runtime)
    finally:
        vendor.post("/_vendor/outcomes", {"custom_id": "cand-01", "items": {}})
    assert cards(sim, HR_LI, CONFIRM) == []  # not before HR's decision
    [review] = cards(sim, HR_LI, "mi-bgcheck-review-hr-v1.schema")
    assert _click(bot_runtime, review["out_track_id"], HR_LI, "bgcheck_pass") == "done"
    run_jobs(bot_runtime)
    me = headers_of(bot_runtime, cand="cand-01")
    assert http.get("/api/v1/me/onboarding", headers=me).status_code == 404  # not sent yet
    li, wang = cards(sim, HR_LI, CONFIRM)[0], cards(sim, HR_WANG, CONFIRM)[0]
    assert li["public"]["join_date"] == START
    assert _click(bot_runtime, li["out_track_id"], HR_LI, "onboarding_confirm") == "done"
    assert (
        _click(bot_runtime, wang["out_track_id"], HR_WANG, "onboarding_confirm")
        == "already_decided"
    )
    run_jobs(bot_runtime)
    [card] = cards(sim, "cand_01", NOTICE)
    assert card["public"]["onboarding_url"].endswith("#/onboarding")
    assert card["public"]["training"] == "2 门课程，共 28 小时"
    assert cards(sim, HR_WANG, CONFIRM)[0]["public"]["decided_by"] == "李娜"
    page = http.get("/api/v1/me/onboarding", headers=me).get_json()
    assert page["join_date"] == START and page["location"]
    assert [p["reason"] for p in page["training_plan"]] == ["谈判技巧 70 < 75"] * 2
    assert (
        page["training_plan"][0]["hours"] == 20 and page["training_plan"][1]["kind"] == "workshop"
    )
    assert [m["status"] for m in page["materials"]] == ["missing"] * 5
    ticked = http.post("/api/v1/me/onboarding/materials/id_card", headers=me).get_json()
    assert ticked["materials"][0]["status"] == "submitted"
    assert http.post("/api/v1/me/onboarding/materials/nope", headers=me).status_code == 404
    assert http.post("/api/v1/me/onboarding/acknowledge", headers=me).get_json()["acknowledged_at"]
    other = headers_of(bot_runtime, cand="cand-02")
    assert http.get("/api/v1/me/onboarding", headers=other).status_code == 404
    sun = headers_of(bot_runtime, staff_id="st-hr-sun")
    assert http.get(f"/api/v1/hr/applications/{app_id}/onboarding", headers=sun).status_code == 404
    log = [e for e in ehr.get("/_demo/hiring")["log"] if e["application_id"] == app_id]
    notices = [e for e in log if e["kind"] == "onboarding"]
    assert len(notices) == 1 and notices[0]["join_date"] == START
    assert notices[0]["training_plan"][0]["reason"] == "谈判技巧 70 < 75"
    decided = [e for e in log if e.get("decision") == "pass"]
    assert len(decided) == 1 and decided[0]["actor_id"] == "st-hr-li"


def test_without_a_check_the_notice_follows_acceptance_and_hr_sets_date_and_place(
    bot_runtime: Runtime,
    app_id: str,
    http: FlaskClient,
    hr: dict[str, str],
    ehr: LocalHttp,
    sim: LocalHttp,
) -> None:
    bot_runtime.settings.BGCHECK_VENDOR = "none"
    try:
        accept_offer(bot_runtime, http, hr, app_id)
    finally:
        bot_runtime.settings.BGCHECK_VENDOR = "sandbox"
    with bot_runtime.session_factory() as s:
        assert s.query(OnboardingNotice).filter_by(application_id=app_id).one().status == "planned"
    path = f"/api/v1/hr/applications/{app_id}/onboarding"
    past = http.put(path, headers=hr, json={"join_date": "2020-01-01"})
    assert past.status_code == 400 and past.get_json()["error"]["code"] == "join_date_past"
    sent = http.put(path, headers=hr, json={"join_date": START, "location": "上海门店 3 楼人事部"})
    assert sent.status_code == 200 and sent.get_json()["status"] == "notified"
    run_jobs(bot_runtime)
    page = http.get(
        "/api/v1/me/onboarding", headers=headers_of(bot_runtime, cand="cand-01")
    ).get_json()
    assert page["location"] == "上海门店 3 楼人事部"
    assert page["training_plan"] == [] and page["training_note"] == NOTHING_WEAK
    assert len(cards(sim, "cand_01", NOTICE)) == 1


def test_with_dingtalk_preentry_the_candidate_becomes_a_pre_entry_employee_once(
    bot_runtime: Runtime,
    app_id: str,
    http: FlaskClient,
    hr: dict[str, str],
    sim: LocalHttp,
) -> None:
    with bot_runtime.session_factory() as s:
        candidate = s.get(Candidate, "cand-01")
        assert candidate is not None
        candidate.mobile = "13800138000"
        s.commit()
    bot_runtime.settings.BGCHECK_VENDOR = "none"
    bot_runtime.settings.DINGTALK_PREENTRY = True
    try:
        accept_offer(bot_runtime, http, hr, app_id)
        path = f"/api/v1/hr/applications/{app_id}/onboarding"
        assert http.put(path, headers=hr, json={"location": "总部"}).status_code == 200
        run_jobs(bot_runtime)
        again = create_preentry(_notice_id(bot_runtime, app_id))  # a retried job: no second
    finally:
        bot_runtime.settings.BGCHECK_VENDOR = "sandbox"
        bot_runtime.settings.DINGTALK_PREENTRY = False
    assert again == "skipped"
    [entry] = sim.get("/_sim/preentries")["preentries"]
    assert entry["name"] == "张伟" and entry["mobile"] == "138****8000"
    assert entry["needSendPreEntryMsg"] is False and entry["agentId"] == 100001
    joined = datetime.fromtimestamp(entry["preEntryTime"] / 1000, ZoneInfo("Asia/Shanghai"))
    assert joined.date().isoformat() == START and joined.hour == 9
    with bot_runtime.session_factory() as s:
        notice = s.query(OnboardingNotice).filter_by(application_id=app_id).one()
        assert notice.preentry_user_id == entry["tmpUserId"]


def _notice_id(runtime: Runtime, app_id: str) -> str:
    with runtime.session_factory() as s:
        return str(s.query(OnboardingNotice.id).filter_by(application_id=app_id).scalar())


def test_the_escalation_ladder_chases_the_notice_until_it_is_acknowledged(
    bot_runtime: Runtime, app_id: str, http: FlaskClient, hr: dict[str, str], sim: LocalHttp
) -> None:
    bot_runtime.settings.BGCHECK_VENDOR = "none"
    try:
        accept_offer(bot_runtime, http, hr, app_id)
    finally:
        bot_runtime.settings.BGCHECK_VENDOR = "sandbox"
    path = f"/api/v1/hr/applications/{app_id}/onboarding"
    assert http.put(path, headers=hr, json={"location": "总部"}).status_code == 200
    run_jobs(bot_runtime)
    t0 = datetime(2026, 12, 8, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Tuesday morning
    with bot_runtime.session_factory() as s:
        s.execute(
            update(Delivery)
            .where(Delivery.purpose == "onboarding_notice")
            .values(updated_at=t0.astimezone(UTC))
        )
        s.commit()
    assert escalate_unread(t0 + timedelta(hours=4)) == ["ding sent"]
    me = headers_of(bot_runtime, cand="cand-01")
    assert http.post("/api/v1/me/onboarding/acknowledge", headers=me).status_code == 200
    assert escalate_unread(t0 + timedelta(hours=23)) == []  # the SMS rung is not sent
