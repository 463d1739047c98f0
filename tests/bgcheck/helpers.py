"""Steps the background-check tests share: an accepted offer, the candidate's consent, the
vendor completing the report and its signed webhook reaching the backend."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from storage.bgcheck_models import BackgroundCheck
from storage.runtime import Runtime
from storage.sync_models import OutboxEvent
from tests.bgcheck.conftest import WEBHOOK_SECRET
from tests.bot.conftest import run_jobs
from tests.offers.conftest import headers_of
from tests.offers.helpers import ehr_moves_to_offer, send
from tests.support.servers import LocalHttp

ID_NUMBER = "11010519491231002X"  # a well-known sample number with a valid check digit
CONSENT_PATH = "/api/v1/me/background-check/consent"


def accept_offer(runtime: Runtime, http: FlaskClient, hr: dict[str, str], app_id: str) -> None:
    """The EHR moves the application to `offer`, HR sends it, 张伟 accepts, the jobs run."""
    ehr_moves_to_offer(runtime, app_id)
    offer_id = send(http, hr, app_id)["offer_id"]
    me = headers_of(runtime, cand="cand-01")
    shown = http.get(f"/api/v1/me/offers/{offer_id}", headers=me).get_json()
    body = {"terms_sha256": shown["terms_sha256"], "confirm": True}
    answer = http.post(f"/api/v1/me/offers/{offer_id}/accept", headers=me, json=body)
    assert answer.status_code == 200, answer.get_json()
    run_jobs(runtime)


def consent(runtime: Runtime, http: FlaskClient, **overrides: Any) -> Any:
    me = headers_of(runtime, cand="cand-01")
    shown = http.get("/api/v1/me/background-check", headers=me).get_json()
    body = {
        "agree": True,
        "consent_sha256": shown["consent_sha256"],
        "id_number": ID_NUMBER,
        "previous_employers": [{"name": "华联超市", "from": "2021-03", "to": "2024-06"}],
        **overrides,
    }
    return http.post(
        CONSENT_PATH, headers=me, json=body, environ_base={"REMOTE_ADDR": "198.51.100.4"}
    )


def check_row(runtime: Runtime, app_id: str) -> BackgroundCheck:
    with runtime.session_factory() as s:
        check = s.scalars(
            select(BackgroundCheck).where(BackgroundCheck.application_id == app_id)
        ).one()
        s.expunge(check)
        return check


def raw_id_column(runtime: Runtime, app_id: str) -> str | None:
    """The stored column as the database holds it, read without the ORM."""
    with runtime.engine.connect() as conn:
        sql = text("SELECT id_number_encrypted FROM background_check WHERE application_id = :a")
        return conn.execute(sql, {"a": app_id}).scalar_one()


def outbox_count(runtime: Runtime, kind: str) -> int:
    with runtime.session_factory() as s:
        return int(s.scalar(select(func.count()).where(OutboxEvent.kind == kind)) or 0)


def complete(vendor: LocalHttp, reference: str) -> dict[str, Any]:
    """The vendor completes the report; return its signed `report.completed` webhook."""
    vendor.post(f"/_vendor/checks/{reference}/complete")
    hooks = vendor.get("/_vendor/webhooks")["webhooks"]
    return next(
        h
        for h in reversed(hooks)
        if h["event"]["type"] == "report.completed" and h["event"]["data"]["report_id"] == reference
    )


def deliver(http: FlaskClient, hook: dict[str, Any]) -> Any:
    return http.post("/bgcheck/webhook", data=hook["body"], headers=hook["headers"])


def signed(body: dict[str, Any], *, secret: str = WEBHOOK_SECRET, age: int = 0) -> dict[str, Any]:
    raw = json.dumps(body)
    stamp = str(int(time.time()) - age)
    digest = hmac.new(secret.encode(), stamp.encode() + b"." + raw.encode(), hashlib.sha256)
    headers = {
        "Content-Type": "application/json",
        "X-Bgcheck-Timestamp": stamp,
        "X-Bgcheck-Signature": "v1=" + digest.hexdigest(),
    }
    return {"body": raw, "headers": headers}


def hiring_log(ehr: LocalHttp, app_id: str) -> list[dict[str, Any]]:
    return [e for e in ehr.get("/_demo/hiring")["log"] if e["application_id"] == app_id]
