"""Steps the offer tests share: the EHR moves an application to `offer`, HR sends, jobs run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from sandbox.ehr import events as ev
from services.ehr.sync import ingest_events
from storage.offer_models import Offer
from storage.runtime import Runtime
from storage.sync_models import OutboxEvent
from tests.bot.conftest import run_jobs
from tests.support.servers import LocalHttp

START = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()


def ehr_moves_to_offer(
    runtime: Runtime, app_id: str, *, version: int = 2, event_id: str | None = None
) -> None:
    """The EHR's `application.upserted` with stage `offer`, applied as the sync applies it."""
    data = ev.application(
        app_id, version, candidate_id="cand-01", position_id="pos-store-night", stage="offer"
    )
    event = ev.event("application", data, event_id=event_id or f"e-{app_id}-v{version}")
    with runtime.session_factory() as s:
        ingest_events(s, [event], source="webhook", received_at=datetime.now(UTC))
    run_jobs(runtime)


def offer_row(runtime: Runtime, app_id: str) -> Offer:
    with runtime.session_factory() as s:
        offer = s.scalars(select(Offer).where(Offer.application_id == app_id)).one()
        s.expunge(offer)
        return offer


def outbox_count(runtime: Runtime, kind: str) -> int:
    with runtime.session_factory() as s:
        return int(s.scalar(select(func.count()).where(OutboxEvent.kind == kind)) or 0)


def send(http: FlaskClient, hr: dict[str, str], app_id: str, **edits: Any) -> dict[str, Any]:
    path = f"/api/v1/hr/applications/{app_id}/offer"
    response = http.put(path, headers=hr, json={"start_date": START, **edits})
    assert response.status_code == 200, response.get_json()
    response = http.post(f"{path}/send", headers=hr)
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def ehr_log(ehr: LocalHttp, app_id: str) -> list[dict[str, Any]]:
    state = ehr.get("/_demo/offers")
    ids = {o["id"] for o in state["offers"] if o["application_id"] == app_id}
    return [e for e in state["log"] if e["offer_id"] in ids]


def cards(sim: LocalHttp, userid: str, template: str) -> list[dict[str, Any]]:
    found = sim.get("/_sim/cards", params={"userid": userid})["cards"]
    return [c for c in found if c["template_id"] == template]
