"""A forged, stale or replayed vendor webhook is refused and changes nothing; a check with an
item to consider waits for HR (never failed by the backend), and two HR owners deciding at
once make one decision, written to the EHR once. The polling sweep settles a check whose
webhook never came."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import update

from jobs.bgcheck import sweep_checks_job
from services.card_actions.handle import handle_card_action
from storage.bgcheck_models import BackgroundCheck
from storage.runtime import Runtime
from storage.vocabulary import OUTBOX_BGCHECK_VENDOR_UPDATED
from tests.bgcheck.helpers import (
    accept_offer,
    check_row,
    complete,
    consent,
    deliver,
    hiring_log,
    outbox_count,
    signed,
)
from tests.bot.conftest import run_jobs
from tests.bot.scenario import HR_LI, HR_WANG
from tests.offers.conftest import headers_of
from tests.offers.helpers import cards
from tests.support.servers import LocalHttp

REVIEW = "mi-bgcheck-review-hr-v1.schema"


@pytest.fixture
def in_progress(
    bot_runtime: Runtime, app_id: str, http: FlaskClient, hr: dict[str, str], vendor: LocalHttp
) -> str:
    """张伟 consented; the vendor has the check. Returns the vendor's report id."""
    accept_offer(bot_runtime, http, hr, app_id)
    assert consent(bot_runtime, http).status_code == 200
    run_jobs(bot_runtime)
    reference = check_row(bot_runtime, app_id).vendor_reference
    assert reference is not None
    return reference


@pytest.fixture
def consider_employment(vendor: LocalHttp) -> Any:
    vendor.post("/_vendor/outcomes", {"custom_id": "cand-01", "items": {"employment": "consider"}})
    yield
    vendor.post("/_vendor/outcomes", {"custom_id": "cand-01", "items": {}})


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("forged", "bad_signature"),
        ("stale", "timestamp_out_of_window"),
        ("unsigned", "unsigned"),
    ],
)
def test_a_forged_stale_or_unsigned_webhook_is_refused_and_changes_nothing(
    bot_runtime: Runtime,
    app_id: str,
    http: FlaskClient,
    vendor: LocalHttp,
    in_progress: str,
    case: str,
    code: str,
) -> None:
    vendor.post(f"/_vendor/checks/{in_progress}/complete")
    event = {"id": f"evt-{case}", "type": "report.completed", "data": {"report_id": in_progress}}
    hook = {
        "forged": lambda: signed(event, secret="not-the-secret"),
        "stale": lambda: signed(event, age=3600),
        "unsigned": lambda: {"body": signed(event)["body"], "headers": {}},
    }[case]()
    answer = deliver(http, hook)
    assert answer.status_code == 401 and answer.get_json()["error"]["code"] == code
    run_jobs(bot_runtime)
    assert outbox_count(bot_runtime, OUTBOX_BGCHECK_VENDOR_UPDATED) == 0
    assert check_row(bot_runtime, app_id).status == "in_progress"


def test_a_signed_webhook_for_an_unknown_report_is_404(
    bot_runtime: Runtime, app_id: str, http: FlaskClient, in_progress: str
) -> None:
    event = {"id": "evt-x", "type": "report.completed", "data": {"report_id": "rpt_nope"}}
    answer = deliver(http, signed(event))
    assert answer.status_code == 404
    assert (
        deliver(http, {"body": "not json", "headers": signed(event)["headers"]}).status_code == 401
    )


def _click_at_once(runtime: Runtime, clicks: list[tuple[str, str, str]]) -> list[Any]:
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
                params={},
                now=datetime.now(UTC),
            )

    threads = [threading.Thread(target=click, args=(i, *c)) for i, c in enumerate(clicks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_a_consider_waits_for_hr_and_two_owners_at_once_make_one_decision(
    bot_runtime: Runtime,
    app_id: str,
    http: FlaskClient,
    hr: dict[str, str],
    ehr: LocalHttp,
    sim: LocalHttp,
    vendor: LocalHttp,
    consider_employment: None,
    in_progress: str,
) -> None:
    assert deliver(http, complete(vendor, in_progress)).status_code == 200
    run_jobs(bot_runtime)
    check = check_row(bot_runtime, app_id)
    assert (check.status, check.result, check.decision) == ("completed", "consider", None)
    assert check.id_number_encrypted is None
    tracks = {uid: cards(sim, uid, REVIEW)[0] for uid in (HR_LI, HR_WANG)}
    assert "工作经历核验：需关注" in tracks[HR_LI]["public"]["items"]
    # Ask the candidate: the decision stays open and the candidate can explain.
    path = f"/api/v1/hr/applications/{app_id}/background-check/decision"
    asked = http.post(path, headers=hr, json={"decision": "ask"})
    assert asked.status_code == 200 and asked.get_json()["decision"] == "ask"
    me = headers_of(bot_runtime, cand="cand-01")
    text = {"text": "2023 年在华联超市为兼职，合同已附。"}
    explained = http.post("/api/v1/me/background-check/explanation", headers=me, json=text)
    assert explained.status_code == 200 and explained.get_json()["explanation"] == text["text"]
    assert check_row(bot_runtime, app_id).decision is None
    results = _click_at_once(
        bot_runtime,
        [
            (tracks[HR_LI]["out_track_id"], HR_LI, "bgcheck_pass"),
            (tracks[HR_WANG]["out_track_id"], HR_WANG, "bgcheck_fail"),
        ],
    )
    assert sorted(r.outcome for r in results) == ["already_decided", "done"]
    winner = next(r for r in results if r.outcome == "done")
    check = check_row(bot_runtime, app_id)
    assert check.decision == winner.card_data["decision"]
    run_jobs(bot_runtime)
    decided = [e for e in hiring_log(ehr, app_id) if e.get("decision") in ("pass", "fail")]
    assert len(decided) == 1 and decided[0]["decision"] == check.decision
    assert decided[0]["actor_id"] == check.decided_by
    steps = [(e["status"], e.get("result")) for e in hiring_log(ehr, app_id)]
    assert steps[:2] == [("in_progress", None), ("completed", "consider")]
    for uid in (HR_LI, HR_WANG):  # every copy says who decided
        assert cards(sim, uid, REVIEW)[0]["public"]["decision"] == check.decision


def test_the_polling_sweep_settles_a_check_whose_webhook_never_came(
    bot_runtime: Runtime, app_id: str, vendor: LocalHttp, in_progress: str
) -> None:
    vendor.post(f"/_vendor/checks/{in_progress}/complete")  # no webhook reaches the backend
    assert sweep_checks_job() == {"polled": 0, "failed": 0}  # too recent to poll
    with bot_runtime.session_factory() as s:
        s.execute(
            update(BackgroundCheck)
            .where(BackgroundCheck.application_id == app_id)
            .values(updated_at=datetime.now(UTC) - timedelta(minutes=11))
        )
        s.commit()
    assert sweep_checks_job() == {"polled": 1, "failed": 0}
    check = check_row(bot_runtime, app_id)
    assert (check.status, check.decision) == ("completed", "pass")
