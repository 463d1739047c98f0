"""The demo EHR's offer write-backs of contract v1.1: `POST /applications/{id}/offers` and
`POST /offers/{id}/status` (with `expired`, docs/ehr-contract-extensions.md).

Offers are kept in `EhrState.offers` and every accepted status change in `EhrState.offer_log`
(what `/_demo/offers` shows). They are not emitted on the change feed: the backend keeps its
own record of offers and does not read the `offer` kind. Answers as v1's write-backs: 200 with
the offer, 409 with the current offer when the request no longer applies, 404 for an unknown
id, 400 for a body the contract does not allow. `app._write_back` adds the idempotency keys.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sandbox.ehr import events as ev
from sandbox.ehr.rounds import BadBody

if TYPE_CHECKING:
    from sandbox.ehr.app import EhrState

Answer = tuple[int, dict[str, Any]]
STATUSES = ("approved", "sent", "accepted", "declined", "withdrawn", "expired")
OPEN = ("draft", "approved", "sent")
# Which statuses each one may follow.
AFTER = {
    "approved": ("draft",),
    "sent": ("draft", "approved", "sent"),
    "accepted": ("sent",),
    "declined": ("sent",),
    "expired": ("sent",),
    "withdrawn": ("draft", "approved", "sent", "accepted"),
}
CLOSED_STAGES = ("rejected", "withdrawn")


def _error(status: int, code: str, message: str, **extra: Any) -> Answer:
    return status, {"error": {"code": code, "message": message}, **extra}


def _salary(body: dict[str, Any]) -> dict[str, Any]:
    salary = body.get("salary")
    amount = salary.get("amount") if isinstance(salary, dict) else None
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        raise BadBody("salary.amount: a non-negative integer")
    period = salary.get("period", "month")
    if period not in ("month", "year"):
        raise BadBody("salary.period: month or year")
    return {"amount": amount, "currency": str(salary.get("currency") or "CNY"), "period": period}


def _expires(body: dict[str, Any]) -> str:
    try:
        moment = datetime.fromisoformat(str(body.get("expires_at")))
    except ValueError:
        raise BadBody("expires_at: an ISO 8601 date-time with its offset") from None
    if moment.tzinfo is None:
        raise BadBody("expires_at: the offset is missing")
    return ev.iso(moment.astimezone(UTC))


def create_offer(state: EhrState, app_id: str, body: dict[str, Any]) -> Answer:
    """POST /applications/{id}/offers: a new offer, unless one is open already (409)."""
    app = state.entities.get(("application", app_id))
    if app is None or app["_deleted"]:
        return _error(404, "not_found", f"no application {app_id}")
    fields = {"salary": _salary(body), "expires_at": _expires(body)}
    if app["stage"] in CLOSED_STAGES:
        return _error(409, "conflict", f"application is {app['stage']}", current_stage=app["stage"])
    for offer in state.offers.values():
        if offer["application_id"] == app_id and offer["status"] in OPEN:
            return _error(409, "conflict", "an offer is open", offer=copy.deepcopy(offer))
    state.seq += 1
    offer = {
        "id": f"of-{app_id}-{state.seq}",
        "version": 1,
        "application_id": app_id,
        "status": "draft",
        **fields,
        "start_date": body.get("start_date"),
        "benefits": list(body.get("benefits") or []),
        "document_url": None,
        "responded_at": None,
    }
    state.offers[offer["id"]] = offer
    state.offer_log.append({"offer_id": offer["id"], "step": "created", **body})
    return 200, {"offer": copy.deepcopy(offer)}


def offer_status(state: EhrState, offer_id: str, body: dict[str, Any]) -> Answer:
    """POST /offers/{id}/status: the offer's progress."""
    offer = state.offers.get(offer_id)
    if offer is None:
        return _error(404, "not_found", f"no offer {offer_id}")
    status = body.get("status")
    if status not in STATUSES:
        raise BadBody(f"status: one of {', '.join(STATUSES)}")
    if offer["status"] not in AFTER[status]:
        message = f"offer is {offer['status']}"
        return _error(
            409, "conflict", message, current_status=offer["status"], offer=copy.deepcopy(offer)
        )
    offer.update(status=status, version=offer["version"] + 1)
    if status in ("accepted", "declined", "expired"):
        offer["responded_at"] = body.get("signed_at") or ev.iso(datetime.now(UTC))
    state.offer_log.append({"offer_id": offer_id, "step": status, **body})
    return 200, {"offer": copy.deepcopy(offer)}
