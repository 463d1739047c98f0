"""The demo EHR's history (sandbox/ehr/history.py) applies through the real sync and gives the
validity page numbers and the fairness figures a suppressed group: what `make run` shows."""

from __future__ import annotations

from datetime import UTC, datetime

from sandbox.ehr.history import POSITION, history_events
from services.ehr.sync import ingest_events
from storage.runtime import Runtime
from tests import factories as f
from tests.factories import bearer


def test_the_history_gives_the_validity_and_fairness_pages_their_figures(
    any_runtime: Runtime,
) -> None:
    """On PostgreSQL and on SQLite (`make run`'s embedded database)."""
    from web import create_app

    events = history_events()
    assert [e["id"] for e in history_events()] == [e["id"] for e in events]  # deterministic
    with any_runtime.session_factory() as s:
        result = ingest_events(s, events, source="push", received_at=datetime.now(UTC))
    assert result.rejected == []
    client = create_app(runtime=any_runtime, test_config={"TESTING": True}).test_client()
    session = any_runtime.session_factory()
    f.department(session, "d-root")
    f.department(session, "d-retail", "d-root")
    f.department(session, "d-retail-east", "d-retail")
    admin = f.staff(session, "st-admin", "admin")
    manager = f.staff(session, "st-mgr", "recruiting_manager", departments=["d-retail"])
    session.commit()
    headers = {**bearer(f.token_for(staff_row=manager)), "Accept-Language": "en"}
    validity = client.get(f"/api/v1/hr/positions/{POSITION}/validity", headers=headers).get_json()
    assert validity["enough"] is True and validity["n"] == 40
    # The generator ties performance to the overall score; the night-shift fit it leaves alone.
    assert validity["overall"]["pearson"] > 0.3
    assert validity["training"] is not None and validity["training"]["n"] == 40
    assert "Hires with overall score ≥ 80" in validity["cutoff"]["text"]
    fairness = client.get(
        f"/api/v1/hr/positions/{POSITION}/fairness", headers=bearer(f.token_for(staff_row=admin))
    ).get_json()
    groups = {g["education"]: g for g in fairness["groups"]}
    assert fairness["total"] == 100
    assert groups["master"]["suppressed"] and groups["other"]["suppressed"]
    assert groups["high_school"]["count"] == 36 and not groups["high_school"]["suppressed"]
    # The walkthrough's hire: reviewed and trained, so the probation score is there.
    probation = client.get(
        "/api/v1/hr/applications/hist-app-005/probation", headers=headers
    ).get_json()
    assert probation["available"] is True and len(probation["courses"]) == 2
    assert probation["performance_source"] == "probation"
    session.close()
