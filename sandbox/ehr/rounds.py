"""The demo EHR's write-backs of contract v1.1 for the rounds after the AI interview:
schedule a round, move it, cancel it, and an interviewer's feedback.

Each action takes the EHR state, the path's id and the request body, and answers
(status, body) as v1's write-backs do: 200 with the entity as the EHR now holds it (also
emitted as an event), 409 with its current state when the request no longer applies, 404 for
an unknown id, 400 for a body the contract does not allow. `app._write_back` adds the
idempotency keys and the push.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sandbox.ehr import events as ev

if TYPE_CHECKING:
    from sandbox.ehr.app import EhrState

Answer = tuple[int, dict[str, Any]]
ROUND_KINDS = ("video", "onsite")
FEEDBACK_RESULTS = ("pass", "hold", "fail")
OVER = ("attended", "completed", "cancelled")
FINAL_STAGES = ("hired", "rejected", "withdrawn")


class BadBody(ValueError):
    """A body field the contract does not allow: answered 400 with the field's name."""


def _error(status: int, code: str, message: str, **extra: Any) -> Answer:
    return status, {"error": {"code": code, "message": message}, **extra}


def _live(state: EhrState, kind: str, entity_id: str) -> dict[str, Any] | None:
    entity = state.entities.get((kind, entity_id))
    return None if entity is None or entity["_deleted"] else entity


def _public(entity: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in copy.deepcopy(entity).items() if k != "_deleted"}


def _moment(body: dict[str, Any], name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(body.get(name)))
    except ValueError:
        raise BadBody(f"{name}: an ISO 8601 date-time with its offset") from None
    if moment.tzinfo is None:
        raise BadBody(f"{name}: the offset is missing")
    return moment


def _minutes(value: Any, *, required: bool) -> int | None:
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 1440:
        raise BadBody("duration_minutes: an integer from 1 to 1440")
    return value


def _text(body: dict[str, Any], name: str, limit: int) -> str | None:
    value = body.get(name)
    if value is not None and (not isinstance(value, str) or len(value) > limit):
        raise BadBody(f"{name}: text of at most {limit} characters")
    return value


def _interviewers(state: EhrState, body: dict[str, Any]) -> list[str]:
    ids = body.get("interviewer_ids")
    if not isinstance(ids, list) or not ids or len(set(map(str, ids))) != len(ids):
        raise BadBody("interviewer_ids: a non-empty list of distinct staff ids")
    unknown = [i for i in ids if _live(state, "staff", str(i)) is None]
    if unknown:
        raise BadBody(f"interviewer_ids: unknown staff {unknown}")
    return [str(i) for i in ids]


def _emit(state: EhrState, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    state.seq += 1
    event_id = f"evt-wb-{state.seq}-{kind}-{data['id']}"
    state.record([ev.event(kind, data, event_id=event_id, occurred_at=datetime.now(UTC))])
    return data


def _round_fields(state: EhrState, body: dict[str, Any]) -> dict[str, Any]:
    number, kind = body.get("round"), body.get("kind")
    if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= 1000:
        raise BadBody("round: an integer from 1 to 1000")
    if kind not in ROUND_KINDS:
        raise BadBody(f"kind: one of {', '.join(ROUND_KINDS)}")
    return {
        "round": number,
        "kind": kind,
        "scheduled_at": ev.iso(_moment(body, "scheduled_at").astimezone(UTC)),
        "duration_minutes": _minutes(body.get("duration_minutes"), required=True),
        "interviewer_ids": _interviewers(state, body),
        "location": _text(body, "location", 500),
        "meeting_url": _text(body, "meeting_url", 2000),
    }


def schedule_round(state: EhrState, app_id: str, body: dict[str, Any]) -> Answer:
    """POST /applications/{id}/interviews: a new round, scheduled."""
    app = _live(state, "application", app_id)
    if app is None:
        return _error(404, "not_found", f"no application {app_id}")
    fields = _round_fields(state, body)
    if app["stage"] in FINAL_STAGES:
        return _error(409, "conflict", f"application is {app['stage']}", application=_public(app))
    for (kind, _), other in state.entities.items():
        same = kind == "interview" and other.get("application_id") == app_id
        active = not other["_deleted"] and other.get("status") != "cancelled"
        if same and active and other.get("round") == fields["round"]:
            message = f"round {fields['round']} exists"
            return _error(409, "conflict", message, interview=_public(other))
    iv_id = f"iv-{app_id}-r{fields['round']}-{state.seq + 1}"
    data = {
        "id": iv_id,
        "version": 1,
        "application_id": app_id,
        **fields,
        "deadline_at": None,
        "invitation_url": None,
        "interviewer_names": _names(state, fields["interviewer_ids"]),
        "status": "scheduled",
        "invited_at": None,
        "opened_at": None,
        "attended_at": None,
        "cancel_reason": None,
    }
    _emit(state, "interview", data)
    state.decisions.append({"application_id": app_id, **body, "interview_id": iv_id})
    return 200, {"interview": data}


def _names(state: EhrState, staff_ids: list[str]) -> list[str]:
    return [str((_live(state, "staff", s) or {}).get("name", s)) for s in staff_ids]


def _round_or_error(state: EhrState, iv_id: str) -> dict[str, Any] | Answer:
    iv = _live(state, "interview", iv_id)
    if iv is None:
        return _error(404, "not_found", f"no interview {iv_id}")
    if iv["status"] in OVER or iv.get("kind") not in ROUND_KINDS:
        why = f"interview is {iv['status']}" if iv["status"] in OVER else "not a round"
        return _error(409, "conflict", why, current_status=iv["status"], interview=_public(iv))
    return iv


def reschedule(state: EhrState, iv_id: str, body: dict[str, Any]) -> Answer:
    """POST /interviews/{id}/reschedule: a new time (and place, link, length when given)."""
    iv = _round_or_error(state, iv_id)
    if isinstance(iv, tuple):
        return iv
    changes: dict[str, Any] = {
        "scheduled_at": ev.iso(_moment(body, "scheduled_at").astimezone(UTC)),
        "status": "scheduled",
    }
    minutes = _minutes(body.get("duration_minutes"), required=False)
    if minutes is not None:
        changes["duration_minutes"] = minutes
    for name, limit in (("location", 500), ("meeting_url", 2000)):
        value = _text(body, name, limit)
        if value is not None:
            changes[name] = value
    data = state.bump("interview", iv_id, **changes)
    state.decisions.append({"interview_id": iv_id, **body, "new_version": data["version"]})
    return 200, {"interview": data}


def cancel(state: EhrState, iv_id: str, body: dict[str, Any]) -> Answer:
    """POST /interviews/{id}/cancel."""
    reason = _text(body, "reason", 500)
    if not reason:
        raise BadBody("reason: required")
    iv = _round_or_error(state, iv_id)
    if isinstance(iv, tuple):
        return iv
    data = state.bump("interview", iv_id, status="cancelled", cancel_reason=reason)
    state.decisions.append({"interview_id": iv_id, **body, "new_version": data["version"]})
    return 200, {"interview": data}


def _ratings(body: dict[str, Any]) -> list[dict[str, Any]]:
    ratings = body.get("ratings")
    if not isinstance(ratings, list):
        raise BadBody("ratings: a list of {key, label, score, max_score}")
    out = []
    for r in ratings:
        ok = isinstance(r, dict) and isinstance(r.get("key"), str) and r["key"]
        numbers = ok and all(
            isinstance(r.get(n), int | float) and not isinstance(r.get(n), bool)
            for n in ("score", "max_score")
        )
        if not numbers or not 0 <= r["score"] <= r["max_score"] or r["max_score"] <= 0:
            raise BadBody("ratings: each {key, label, score, max_score}, 0 <= score <= max_score")
        out.append({k: r.get(k) for k in ("key", "label", "score", "max_score")})
    if len({r["key"] for r in out}) != len(out):
        raise BadBody("ratings: duplicate key")
    return out


def feedback(state: EhrState, iv_id: str, body: dict[str, Any]) -> Answer:
    """POST /interviews/{id}/feedback: an assigned interviewer's, once the round has begun."""
    if body.get("result") not in FEEDBACK_RESULTS:
        raise BadBody(f"result: one of {', '.join(FEEDBACK_RESULTS)}")
    ratings, comment = _ratings(body), _text(body, "comment", 20_000)
    iv = _live(state, "interview", iv_id)
    if iv is None:
        return _error(404, "not_found", f"no interview {iv_id}")
    staff_id = str(body.get("staff_id") or "")
    now = datetime.now(UTC)
    refusal = None
    if staff_id not in (iv.get("interviewer_ids") or []):
        refusal = f"{staff_id or 'nobody'} is not an interviewer of this round"
    elif iv["status"] == "cancelled":
        refusal = "the round was cancelled"
    elif iv.get("scheduled_at") is None or datetime.fromisoformat(iv["scheduled_at"]) > now:
        refusal = "the round has not started"
    fb_id = f"fb-{iv_id}-{staff_id}"
    current = _live(state, "feedback", fb_id)
    if refusal:
        extra = {"feedback": _public(current)} if current else {}
        return _error(409, "conflict", refusal, interview=_public(iv), **extra)
    fields = {"result": body["result"], "ratings": ratings, "comment": comment}
    if current is not None:
        data = state.bump("feedback", fb_id, **fields, submitted_at=ev.iso(now))
    else:
        data = _emit(
            state,
            "feedback",
            {
                "id": fb_id,
                "version": 1,
                "interview_id": iv_id,
                "staff_id": staff_id,
                **fields,
                "submitted_at": ev.iso(now),
            },
        )
    state.decisions.append({"interview_id": iv_id, "feedback_id": fb_id, "staff_id": staff_id})
    return 200, {"feedback": data}
