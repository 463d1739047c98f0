"""The check starts with the accepted offer and waits for consent; consent is recorded (time,
address, SHA-256 of the text) and the ID number kept only encrypted, sent only to the vendor,
never returned or logged, and erased when the check completes. All clear passes by itself."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from cryptography.fernet import Fernet
from flask.testing import FlaskClient

from sandbox.ehr import events as ev
from services.bgcheck import state as st
from services.ehr.sync import ingest_events
from storage.runtime import Runtime
from storage.vocabulary import OUTBOX_BGCHECK_VENDOR_UPDATED
from tests.bgcheck.conftest import PII_KEY
from tests.bgcheck.helpers import (
    CONSENT_PATH,
    ID_NUMBER,
    accept_offer,
    check_row,
    complete,
    consent,
    deliver,
    hiring_log,
    outbox_count,
    raw_id_column,
)
from tests.bot.conftest import run_jobs
from tests.offers.conftest import headers_of
from tests.offers.helpers import cards
from tests.support.servers import LocalHttp


def _vendor_checks(vendor: LocalHttp, reference: str | None) -> list[dict[str, object]]:
    return [c for c in vendor.get("/_vendor/checks")["checks"] if c["id"] == reference]


def test_consent_is_required_recorded_and_the_id_number_never_leaves_but_to_the_vendor(
    bot_runtime: Runtime,
    app_id: str,
    http: FlaskClient,
    hr: dict[str, str],
    ehr: LocalHttp,
    sim: LocalHttp,
    vendor: LocalHttp,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    accept_offer(bot_runtime, http, hr, app_id)
    check = check_row(bot_runtime, app_id)
    assert check.status == "awaiting_consent" and check.vendor == "sandbox"
    [card] = cards(sim, "cand_01", "mi-bgcheck-consent-v1.schema")
    assert card["public"]["consent_url"].endswith("#/background-check")
    assert "工作经历核验" in card["public"]["items"]
    me = headers_of(bot_runtime, cand="cand-01")
    shown = http.get("/api/v1/me/background-check", headers=me).get_json()
    assert shown["consent_text"] == st.CONSENT_TEXT and shown["consent_sha256"] == st.CONSENT_SHA256
    assert [i["key"] for i in shown["items"]] == [
        "identity",
        "education",
        "employment",
        "court_records",
    ]

    # No consent, no check: a refusal, a changed text or a bad number leave it waiting.
    assert consent(bot_runtime, http, agree=False).get_json()["error"]["code"] == "consent_required"
    changed = consent(bot_runtime, http, consent_sha256="0" * 64)
    assert changed.status_code == 409 and changed.get_json()["error"]["code"] == "consent_changed"
    assert consent(bot_runtime, http, id_number="110105194912310021").status_code == 400
    run_jobs(bot_runtime)
    assert check_row(bot_runtime, app_id).status == "awaiting_consent"
    assert check_row(bot_runtime, app_id).vendor_reference is None

    given = consent(bot_runtime, http)
    assert given.status_code == 200, given.get_json()
    assert ID_NUMBER not in given.get_data(as_text=True)
    assert given.get_json()["id_number_on_file"] is True
    check = check_row(bot_runtime, app_id)
    assert check.consent_at is not None and check.consent_address == "198.51.100.4"
    assert check.consent_text_sha256 == st.CONSENT_SHA256
    raw = raw_id_column(bot_runtime, app_id)
    assert raw is not None and ID_NUMBER not in raw
    assert Fernet(PII_KEY.encode()).decrypt(raw.encode()).decode() == ID_NUMBER
    again = consent(bot_runtime, http)
    assert again.status_code == 409

    run_jobs(bot_runtime)  # the vendor gets the candidate and the check
    check = check_row(bot_runtime, app_id)
    assert check.status == "in_progress" and check.vendor_reference
    [at_vendor] = _vendor_checks(vendor, check.vendor_reference)
    assert (
        at_vendor["custom_id"] == "cand-01"
        and at_vendor["id_number_masked"] == "1101**********002X"
    )
    assert at_vendor["previous_employers"][0]["name"] == "华联超市"
    assert [e["status"] for e in hiring_log(ehr, app_id)] == ["in_progress"]
    hr_view = http.get(f"/api/v1/hr/applications/{app_id}/background-check", headers=hr)
    assert hr_view.status_code == 200 and ID_NUMBER not in hr_view.get_data(as_text=True)
    assert ID_NUMBER not in caplog.text


def test_all_clear_passes_by_itself_erases_the_id_and_reaches_the_ehr_once_per_step(
    bot_runtime: Runtime,
    app_id: str,
    http: FlaskClient,
    hr: dict[str, str],
    ehr: LocalHttp,
    sim: LocalHttp,
    vendor: LocalHttp,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    accept_offer(bot_runtime, http, hr, app_id)
    assert consent(bot_runtime, http).status_code == 200
    run_jobs(bot_runtime)
    reference = check_row(bot_runtime, app_id).vendor_reference
    assert reference is not None
    hook = complete(vendor, reference)
    answer = deliver(http, hook)
    assert answer.status_code == 200, answer.get_json()
    run_jobs(bot_runtime)
    check = check_row(bot_runtime, app_id)
    assert (check.status, check.result, check.decision) == ("completed", "clear", "pass")
    assert check.decided_by == "system" and check.completed_at is not None
    assert raw_id_column(bot_runtime, app_id) is None  # erased once the check completed
    assert (
        http.get(
            "/api/v1/me/background-check", headers=headers_of(bot_runtime, cand="cand-01")
        ).get_json()["id_number_on_file"]
        is False
    )
    assert cards(sim, "hr_lina", "mi-bgcheck-review-hr-v1.schema") == []  # nothing to decide
    # A replay of the same delivery is refused and changes nothing; the EHR heard each step once.
    before = outbox_count(bot_runtime, OUTBOX_BGCHECK_VENDOR_UPDATED)
    replay = deliver(http, hook)
    assert replay.status_code == 409 and replay.get_json()["error"]["code"] == "replayed"
    run_jobs(bot_runtime)
    assert outbox_count(bot_runtime, OUTBOX_BGCHECK_VENDOR_UPDATED) == before
    steps = [(e["status"], e.get("result"), e.get("decision")) for e in hiring_log(ehr, app_id)]
    assert steps == [("in_progress", None, None), ("completed", "clear", "pass")]
    assert all("id_number" not in e for e in hiring_log(ehr, app_id))
    assert (
        hiring_log(ehr, app_id)[1]["consent_at"]
        and hiring_log(ehr, app_id)[1]["vendor_reference"] == reference
    )
    assert ID_NUMBER not in caplog.text


def test_another_candidate_sees_no_check(
    bot_runtime: Runtime, app_id: str, http: FlaskClient, hr: dict[str, str]
) -> None:
    accept_offer(bot_runtime, http, hr, app_id)
    other = headers_of(bot_runtime, cand="cand-02")
    assert http.get("/api/v1/me/background-check", headers=other).status_code == 404
    body = {"agree": True, "consent_sha256": st.CONSENT_SHA256, "id_number": ID_NUMBER}
    assert http.post(CONSENT_PATH, headers=other, json=body).status_code == 404
    assert check_row(bot_runtime, app_id).status == "awaiting_consent"
    outsider = headers_of(bot_runtime, staff_id="st-hr-sun")  # owns only the warehouse position
    path = f"/api/v1/hr/applications/{app_id}/background-check"
    assert http.get(path, headers=outsider).status_code == 404
    decision = http.post(f"{path}/decision", headers=outsider, json={"decision": "pass"})
    assert decision.status_code == 404


def test_a_stopped_application_cancels_the_check_and_erases_the_id_number(
    bot_runtime: Runtime,
    app_id: str,
    http: FlaskClient,
    hr: dict[str, str],
    ehr: LocalHttp,
    vendor: LocalHttp,
) -> None:
    accept_offer(bot_runtime, http, hr, app_id)
    assert consent(bot_runtime, http).status_code == 200
    run_jobs(bot_runtime)
    reference = check_row(bot_runtime, app_id).vendor_reference
    assert raw_id_column(bot_runtime, app_id) is not None
    data = ev.application(
        app_id, 3, candidate_id="cand-01", position_id="pos-store-night", stage="withdrawn"
    )
    with bot_runtime.session_factory() as s:
        event = ev.event("application", data, event_id=f"e-{app_id}-withdrawn")
        ingest_events(s, [event], source="webhook", received_at=datetime.now(UTC))
    run_jobs(bot_runtime)
    assert check_row(bot_runtime, app_id).status == "cancelled"
    assert raw_id_column(bot_runtime, app_id) is None
    assert _vendor_checks(vendor, reference)[0]["status"] == "canceled"
    assert [e["status"] for e in hiring_log(ehr, app_id)] == ["in_progress", "cancelled"]
