"""The demo EHR's write-backs after the offer (contract v1.1): `POST
/applications/{id}/background-checks` (one endpoint, called at each step of the check) and
`POST /applications/{id}/onboarding` (the notice that was sent).

One background check and one onboarding per application, kept in `EhrState.background_checks`
and `EhrState.onboardings`; every accepted write in `EhrState.hiring_log` (`/_demo/hiring`).
`app._write_back` adds the idempotency keys, so a retried step is one change.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from sandbox.ehr.rounds import BadBody

if TYPE_CHECKING:
    from sandbox.ehr.app import EhrState

Answer = tuple[int, dict[str, Any]]
CHECK_STATUSES = ("requested", "in_progress", "completed", "cancelled")
ENDED = ("completed", "cancelled")


def _error(status: int, code: str, message: str, **extra: Any) -> Answer:
    return status, {"error": {"code": code, "message": message}, **extra}


def _known(state: EhrState, app_id: str) -> bool:
    app = state.entities.get(("application", app_id))
    return app is not None and not app["_deleted"]


def background_check(state: EhrState, app_id: str, body: dict[str, Any]) -> Answer:
    """POST /applications/{id}/background-checks: the check's state at this step."""
    if not _known(state, app_id):
        return _error(404, "not_found", f"no application {app_id}")
    status = body.get("status")
    if status not in CHECK_STATUSES:
        raise BadBody(f"status: one of {', '.join(CHECK_STATUSES)}")
    if body.get("result") not in (None, "clear", "consider"):
        raise BadBody("result: clear or consider")
    if body.get("decision") not in (None, "pass", "fail"):
        raise BadBody("decision: pass or fail")
    if "id_number" in body:
        raise BadBody("id_number: identity documents never travel to the EHR")
    current = state.background_checks.get(app_id)
    if current is not None and current["status"] in ENDED and status not in ENDED:
        return _error(
            409, "conflict", f"check is {current['status']}", check=copy.deepcopy(current)
        )
    version = current["version"] + 1 if current else 1
    check = {
        "id": current["id"] if current else f"bc-{app_id}",
        "version": version,
        "application_id": app_id,
        "vendor": body.get("vendor"),
        "vendor_reference": body.get("vendor_reference"),
        "consent_at": body.get("consent_at"),
        "status": status,
        "result": body.get("result"),
        "items": list(body.get("items") or []),
        "decision": body.get("decision"),
    }
    state.background_checks[app_id] = check
    state.hiring_log.append({"kind": "background_check", "application_id": app_id, **body})
    return 200, {"background_check": copy.deepcopy(check)}


def onboarding(state: EhrState, app_id: str, body: dict[str, Any]) -> Answer:
    """POST /applications/{id}/onboarding: the notice that was sent."""
    if not _known(state, app_id):
        return _error(404, "not_found", f"no application {app_id}")
    if not isinstance(body.get("join_date"), str):
        raise BadBody("join_date: a date")
    if not isinstance(body.get("training_plan"), list):
        raise BadBody("training_plan: a list")
    current = state.onboardings.get(app_id)
    entity = {
        "id": current["id"] if current else f"ob-{app_id}",
        "version": current["version"] + 1 if current else 1,
        "application_id": app_id,
        "status": "notified",
        "join_date": body["join_date"],
        "location": body.get("location"),
        "materials": list(body.get("materials") or []),
    }
    state.onboardings[app_id] = entity
    state.hiring_log.append({"kind": "onboarding", "application_id": app_id, **body})
    return 200, {"onboarding": copy.deepcopy(entity)}
