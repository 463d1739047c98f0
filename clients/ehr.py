"""HTTP client of the EHR connector (docs/ehr-contract.md sections 4 and 5).

Every call has a timeout and either returns parsed JSON or raises a typed error: retry only
`EhrTransientError`; the others need a person or a different request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import requests

from config import Settings
from storage.safe_input import JsonInputError, loads_batch


class EhrError(Exception):
    """Base of every EHR client error."""

    def __init__(self, message: str, *, status: int | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class EhrAuthError(EhrError):
    """401/403: the API token is wrong or lacks rights."""


class EhrNotFound(EhrError):
    """404: the EHR does not know the id."""


class EhrConflict(EhrError):
    """409: the entity is already past that change; `current_stage` says where it is."""

    @property
    def current_stage(self) -> str | None:
        if isinstance(self.body, dict):
            for key in ("current_stage", "stage"):
                if isinstance(self.body.get(key), str):
                    return str(self.body[key])
            application = self.body.get("application")
            if isinstance(application, dict) and isinstance(application.get("stage"), str):
                return str(application["stage"])
        return None

    def current(self, kind: str) -> dict[str, Any] | None:
        """The entity of `kind` as the EHR holds it now, when the 409 carried it."""
        if isinstance(self.body, dict) and isinstance(self.body.get(kind), dict):
            return dict(self.body[kind])
        return None


class EhrBadRequest(EhrError):
    """Another 4xx: our request was wrong; retrying will not help."""


class EhrTransientError(EhrError):
    """5xx, 429, a timeout or a reset connection: safe to retry with backoff."""


class EhrProtocolError(EhrError):
    """The EHR answered 2xx with something that is not the contract's shape."""


@dataclass(frozen=True)
class FeedPage:
    events: list[Any]
    next_cursor: str | None
    has_more: bool


def _aware(name: str, moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware")
    return moment.isoformat()


def _entity(answer: Any, kind: str, path: str) -> dict[str, Any]:
    """The entity of a write-back's 200 answer (`{"interview": {...}}`)."""
    entity = answer.get(kind) if isinstance(answer, dict) else None
    if not isinstance(entity, dict):
        raise EhrProtocolError(f"POST {path}: no `{kind}` object in the answer")
    return entity


def _decode(content: bytes) -> Any:
    """The body as JSON, or None. orjson parses a feed page in about two thirds of the time;
    a value it refuses inside an event (integers beyond 64 bits, NaN) is kept as `Unreadable`
    so that the sync rejects that event alone and the cursor moves past it."""
    if not content:
        return None
    try:
        return loads_batch(content)
    except JsonInputError:
        return None


class EhrClient:
    """One EHR connector: base URL, bearer token, timeout."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._http = session or requests.Session()
        self._http.headers["Authorization"] = f"Bearer {token}"

    @classmethod
    def from_settings(cls, settings: Settings) -> EhrClient:
        return cls(
            settings.require("EHR_BASE_URL"),
            settings.require("EHR_API_TOKEN"),
            timeout=settings.EHR_TIMEOUT_SECONDS,
        )

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        url = self.base_url + path
        try:
            response = self._http.request(method, url, timeout=self.timeout, **kwargs)
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise EhrTransientError(f"{method} {path}: {type(exc).__name__}") from exc
        body = _decode(response.content)
        status = response.status_code
        if status < 300:
            if body is None:
                raise EhrProtocolError(f"{method} {path}: not JSON", status=status)
            return body
        message = f"{method} {path}: HTTP {status}"
        error = {401: EhrAuthError, 403: EhrAuthError, 404: EhrNotFound, 409: EhrConflict}.get(
            status
        )
        if error is None:
            error = EhrTransientError if status >= 500 or status == 429 else EhrBadRequest
        raise error(message, status=status, body=body)

    def fetch_changes(self, *, after: str | None, limit: int) -> FeedPage:
        """One change-feed page after `after` (None: from the beginning)."""
        params: dict[str, Any] = {"limit": limit}
        if after is not None:
            params["after"] = after
        body = self._call("GET", "/events", params=params)
        events = body.get("events") if isinstance(body, dict) else None
        if not isinstance(events, list):
            raise EhrProtocolError("GET /events: no `events` list", body=None)
        cursor = body.get("next_cursor")
        return FeedPage(
            events=events,
            next_cursor=str(cursor) if cursor is not None else None,
            has_more=bool(body.get("has_more")),
        )

    def post_decision(
        self,
        application_id: str,
        *,
        decision: str,
        actor_staff_id: str,
        reason: str | None,
        idempotency_key: str,
    ) -> dict[str, Any]:
        """Write an HR decision back; 409 (EhrConflict) when the application is past it."""
        body = {
            "decision": decision,
            "actor_staff_id": actor_staff_id,
            "reason": reason,
            "idempotency_key": idempotency_key,
        }
        path = f"/applications/{quote(application_id, safe='')}/decisions"
        result: dict[str, Any] = self._call("POST", path, json=body)
        return result

    def extend_deadline(
        self,
        interview_id: str,
        *,
        deadline_at: datetime,
        actor_staff_id: str,
        idempotency_key: str,
    ) -> dict[str, Any]:
        """Extend an AI interview's deadline (a tz-aware datetime)."""
        if deadline_at.tzinfo is None:
            raise ValueError("deadline_at must be timezone-aware")
        body = {
            "deadline_at": deadline_at.isoformat(),
            "actor_staff_id": actor_staff_id,
            "idempotency_key": idempotency_key,
        }
        path = f"/interviews/{quote(interview_id, safe='')}/deadline"
        result: dict[str, Any] = self._call("POST", path, json=body)
        return result

    def review_requirement(
        self,
        application_id: str,
        key: str,
        *,
        status: str,
        actor_staff_id: str,
        idempotency_key: str,
    ) -> dict[str, Any]:
        """Record HR's review (`approved` or `rejected`) of a gating requirement."""
        body = {
            "status": status,
            "actor_staff_id": actor_staff_id,
            "idempotency_key": idempotency_key,
        }
        path = f"/applications/{quote(application_id, safe='')}/requirements/{quote(key, safe='')}"
        result: dict[str, Any] = self._call("POST", path, json=body)
        return result

    # --- Contract v1.1: the rounds after the AI interview and their feedback ---------------------
    # Each answers the entity as the EHR now holds it (200); EhrConflict (409) carries its current
    # state (`EhrConflict.current("interview")`), EhrNotFound (404) an unknown id.

    def schedule_round(
        self,
        application_id: str,
        *,
        round: int,  # the contract's field name
        kind: str,
        scheduled_at: datetime,
        duration_minutes: int,
        interviewer_ids: list[str],
        location: str | None,
        meeting_url: str | None,
        actor_staff_id: str,
        idempotency_key: str,
    ) -> dict[str, Any]:
        """Schedule the next round of an application; return the new interview."""
        body = {
            "round": round,
            "kind": kind,
            "scheduled_at": _aware("scheduled_at", scheduled_at),
            "duration_minutes": duration_minutes,
            "interviewer_ids": list(interviewer_ids),
            "location": location,
            "meeting_url": meeting_url,
            "actor_staff_id": actor_staff_id,
            "idempotency_key": idempotency_key,
        }
        path = f"/applications/{quote(application_id, safe='')}/interviews"
        return _entity(self._call("POST", path, json=body), "interview", path)

    def reschedule_interview(
        self,
        interview_id: str,
        *,
        scheduled_at: datetime,
        duration_minutes: int | None,
        location: str | None,
        meeting_url: str | None,
        actor_id: str,
        reason: str | None,
        idempotency_key: str,
    ) -> dict[str, Any]:
        """Move a round (HR's change, or a candidate's request HR accepted); return it."""
        body = {
            "scheduled_at": _aware("scheduled_at", scheduled_at),
            "duration_minutes": duration_minutes,
            "location": location,
            "meeting_url": meeting_url,
            "actor_id": actor_id,
            "reason": reason,
            "idempotency_key": idempotency_key,
        }
        path = f"/interviews/{quote(interview_id, safe='')}/reschedule"
        return _entity(self._call("POST", path, json=body), "interview", path)

    def cancel_interview(
        self, interview_id: str, *, reason: str, actor_staff_id: str, idempotency_key: str
    ) -> dict[str, Any]:
        """Cancel a round; return it as cancelled."""
        body = {
            "reason": reason,
            "actor_staff_id": actor_staff_id,
            "idempotency_key": idempotency_key,
        }
        path = f"/interviews/{quote(interview_id, safe='')}/cancel"
        return _entity(self._call("POST", path, json=body), "interview", path)

    def submit_feedback(
        self,
        interview_id: str,
        *,
        staff_id: str,
        result: str,
        ratings: list[dict[str, Any]],
        comment: str | None,
        idempotency_key: str,
    ) -> dict[str, Any]:
        """Give an interviewer's feedback on a round; return the feedback entity."""
        body = {
            "staff_id": staff_id,
            "result": result,
            "ratings": list(ratings),
            "comment": comment,
            "idempotency_key": idempotency_key,
        }
        path = f"/interviews/{quote(interview_id, safe='')}/feedback"
        return _entity(self._call("POST", path, json=body), "feedback", path)

    # --- Contract v1.1: the offer ------------------------------------------------------------
    # EhrConflict (409) carries the EHR's current offer (`EhrConflict.current("offer")`).

    def create_offer(
        self,
        application_id: str,
        *,
        salary: dict[str, Any],
        start_date: str | None,
        expires_at: datetime,
        benefits: list[dict[str, Any]],
        actor_staff_id: str,
        reason: str,
        idempotency_key: str,
    ) -> dict[str, Any]:
        """Write an offer drafted or approved in DingTalk; return the EHR's offer."""
        body = {
            "salary": dict(salary),
            "start_date": start_date,
            "expires_at": _aware("expires_at", expires_at),
            "benefits": list(benefits),
            "actor_staff_id": actor_staff_id,
            "reason": reason,
            "idempotency_key": idempotency_key,
        }
        path = f"/applications/{quote(application_id, safe='')}/offers"
        return _entity(self._call("POST", path, json=body), "offer", path)

    def post_offer_status(
        self,
        offer_id: str,
        *,
        status: str,
        actor_id: str,
        signed_at: datetime | None,
        idempotency_key: str,
    ) -> dict[str, Any]:
        """The offer's progress (`sent`, `accepted`, `declined`, `expired`); return it."""
        body: dict[str, Any] = {
            "status": status,
            "actor_id": actor_id,
            "idempotency_key": idempotency_key,
        }
        if signed_at is not None:
            body["signed_at"] = _aware("signed_at", signed_at)
        path = f"/offers/{quote(offer_id, safe='')}/status"
        return _entity(self._call("POST", path, json=body), "offer", path)

    def post_background_check(
        self,
        application_id: str,
        *,
        step: dict[str, Any],
        idempotency_key: str,
    ) -> dict[str, Any]:
        """One step of the check (`vendor`, `vendor_reference`, `consent_at`, `status`,
        `result?`, `items?`, `decision?`, `actor_id`); return the EHR's check. No ID number."""
        body = {**step, "idempotency_key": idempotency_key}
        path = f"/applications/{quote(application_id, safe='')}/background-checks"
        return _entity(self._call("POST", path, json=body), "background_check", path)

    def post_onboarding(
        self,
        application_id: str,
        *,
        notice: dict[str, Any],
        idempotency_key: str,
    ) -> dict[str, Any]:
        """The onboarding notice that was sent (`join_date`, `location?`, `materials?`,
        `training_plan`, `actor_staff_id`); return the EHR's onboarding."""
        body = {**notice, "idempotency_key": idempotency_key}
        path = f"/applications/{quote(application_id, safe='')}/onboarding"
        return _entity(self._call("POST", path, json=body), "onboarding", path)
