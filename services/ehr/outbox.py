"""Which applied EHR changes matter to people, as outbox rows written in the same transaction.

The notification pipeline reads the outbox; this module only decides what happened. Each row has a
deterministic dedupe key per cause (`<kind>:<entity id>:v<version>`), so a cause can never write
two rows, and payloads carry ids and the before/after values that matter, never names or mobiles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from storage.ehr_cache import get_links
from storage.ehr_log import add_outbox_events
from storage.vocabulary import (
    OUTBOX_FEEDBACK_UPSERTED,
    OUTBOX_INTERVIEW_ATTENDED,
    OUTBOX_INTERVIEW_CANCELLED,
    OUTBOX_INTERVIEW_INVITED,
    OUTBOX_INTERVIEW_NO_SHOW,
    OUTBOX_INTERVIEW_OPENED,
    OUTBOX_INTERVIEW_RESCHEDULED,
    OUTBOX_REQUIREMENT_STATUS_CHANGED,
    OUTBOX_ROUND_SCHEDULED,
    OUTBOX_SCORE_PUBLISHED,
    OUTBOX_SCORE_REVISED,
    OUTBOX_STAGE_CHANGED,
    VISIBLE_SCORE_STATUSES,
)

INTERVIEW_STATUS_EVENTS = {
    "invited": OUTBOX_INTERVIEW_INVITED,
    "opened": OUTBOX_INTERVIEW_OPENED,
    "attended": OUTBOX_INTERVIEW_ATTENDED,
    "no_show": OUTBOX_INTERVIEW_NO_SHOW,
    "cancelled": OUTBOX_INTERVIEW_CANCELLED,
}
SCORE_CONTENT = ("status", "overall", "dimensions", "comments", "published_at", "model_version")
# When an interview happens; a change of any of them moves it. The place, the link and the
# length matter only for a round with people (the AI interview has none of them).
WHEN = ("scheduled_at", "deadline_at")
ROUND_PLACE = ("duration_minutes", "location", "meeting_url")
# The AI interview is taken alone, by link; the rounds after it are with interviewers.
AI_KIND = "ai"


@dataclass
class Intent:
    """An outbox row before its linked ids (application, candidate, position) are resolved."""

    kind: str
    entity_kind: str
    entity_id: str
    version: int
    dedupe_key: str
    payload: dict[str, Any] = field(default_factory=dict)


def _pick(values: dict[str, Any] | None, names: tuple[str, ...]) -> dict[str, Any] | None:
    if values is None:
        return None
    # Values as they are: the outbox's JSON encoder writes datetimes as RFC 3339.
    return {name: values.get(name) for name in names}


def _intent(
    kind: str, entity_kind: str, entity_id: str, version: int, changes: dict[str, Any]
) -> Intent:
    return Intent(kind, entity_kind, entity_id, version, f"{kind}:{entity_id}:v{version}", changes)


def _score(
    eid: str, version: int, before: dict[str, Any] | None, after: dict[str, Any]
) -> list[Intent]:
    if after["status"] not in VISIBLE_SCORE_STATUSES:
        return []  # a draft never reaches a notification
    was_visible = before is not None and before.get("status") in VISIBLE_SCORE_STATUSES
    if not was_visible:
        kind = OUTBOX_SCORE_PUBLISHED
    elif any(before.get(n) != after.get(n) for n in SCORE_CONTENT):  # type: ignore[union-attr]
        kind = OUTBOX_SCORE_REVISED
    else:
        return []
    names = ("status", "overall", "published_at")
    changes = {"before": _pick(before, names), "after": _pick(after, names)}
    return [_intent(kind, "score", eid, version, changes)]


def _is_round(values: dict[str, Any] | None) -> bool:
    """A round with people (not the AI interview), scheduled at a time."""
    return (
        values is not None
        and values.get("kind") != AI_KIND
        and values.get("status") == "scheduled"
        and values.get("scheduled_at") is not None
    )


def _moved(before: dict[str, Any] | None, after: dict[str, Any]) -> bool:
    if before is None:
        return False
    names = WHEN + ROUND_PLACE if after.get("kind") != AI_KIND else WHEN
    return any(before.get(n) != after.get(n) for n in names)


def _interview(
    eid: str, version: int, before: dict[str, Any] | None, after: dict[str, Any]
) -> list[Intent]:
    names = ("status", "scheduled_at", "deadline_at", "round", "kind", "duration_minutes")
    changes = {"before": _pick(before, names), "after": _pick(after, names)}
    intents: list[Intent] = []
    status_kind = INTERVIEW_STATUS_EVENTS.get(after["status"])
    if status_kind and (before is None or before.get("status") != after["status"]):
        intents.append(_intent(status_kind, "interview", eid, version, changes))
    if _is_round(after) and not _is_round(before):
        # A round now has its time (new, or a draft given one): calendars and cards follow.
        intents.append(_intent(OUTBOX_ROUND_SCHEDULED, "interview", eid, version, changes))
    elif _moved(before, after) and after["status"] != "cancelled":
        intents.append(_intent(OUTBOX_INTERVIEW_RESCHEDULED, "interview", eid, version, changes))
    return intents


def _feedback(
    eid: str, version: int, before: dict[str, Any] | None, after: dict[str, Any]
) -> list[Intent]:
    # Every applied version is a change an interviewer made (or the EHR recorded for them).
    ids = {"interview_id": after["interview_id"], "feedback_id": eid, "staff_id": after["staff_id"]}
    return [_intent(OUTBOX_FEEDBACK_UPSERTED, "feedback", eid, version, ids)]


def _application(
    eid: str, version: int, before: dict[str, Any] | None, after: dict[str, Any]
) -> list[Intent]:
    intents: list[Intent] = []
    if before is not None and before.get("stage") != after["stage"]:
        changes = {
            "before": _pick(before, ("stage", "stage_changed_at")),
            "after": _pick(after, ("stage", "stage_changed_at")),
        }
        intents.append(_intent(OUTBOX_STAGE_CHANGED, "application", eid, version, changes))
    old = {r["key"]: r for r in (before or {}).get("requirements") or []}
    for req in after.get("requirements") or []:
        previous = old.get(req["key"])
        # A new application's requirements matter when someone must act on them (the candidate
        # on a missing or rejected one, HR on a submitted one); an approved one needs nobody.
        if before is None and req["status"] == "approved":
            continue
        if previous is None or previous["status"] != req["status"]:
            kind = OUTBOX_REQUIREMENT_STATUS_CHANGED
            intent = Intent(
                kind,
                "application",
                eid,
                version,
                f"{kind}:{eid}:{req['key']}:v{version}",
                {
                    "requirement_key": req["key"],
                    "before": {"status": previous["status"]} if previous else None,
                    "after": {"status": req["status"]},
                },
            )
            intents.append(intent)
    return intents


RULES = {
    "score": _score,
    "interview": _interview,
    "application": _application,
    "feedback": _feedback,
}


def outbox_intents(
    kind: str,
    entity_id: str,
    version: int,
    *,
    before: dict[str, Any] | None,
    after: dict[str, Any],
) -> list[Intent]:
    """The domain events an applied upsert causes (none for kinds nobody is notified about)."""
    rule = RULES.get(kind)
    return rule(entity_id, version, before, after) if rule else []


def _links(
    session: Session,
    kind: str,
    ids: list[str],
    columns: list[str],
    known: dict[str, dict[str, Any]],
) -> dict[str, dict[str, Any]]:
    """Columns of these cached entities: from `known` (written in this transaction) when there,
    from the cache for the rest."""
    found = {i: known[i] for i in ids if i in known}
    missing = [i for i in ids if i not in found]
    if missing:
        found.update(get_links(session, kind, missing, columns))
    return found


def write_outbox(
    session: Session,
    intents: list[Intent],
    *,
    context: dict[str, dict[str, Any]],
    known: dict[str, dict[str, dict[str, Any]]] | None = None,
) -> int:
    """Resolve each intent's linked ids from the cache and insert the rows; return how many.

    `context` maps an intent's dedupe key to `event_id`, `source` and the entity's own references.
    `known` holds links the caller has just written (kind -> id -> columns), so that the cache is
    read only for the others.
    """
    if not intents:
        return 0
    refs = _resolved_refs(session, intents, context=context, known=known or {})
    return add_outbox_events(session, [_row(intent, refs[intent.dedupe_key]) for intent in intents])


def _resolved_refs(
    session: Session,
    intents: list[Intent],
    *,
    context: dict[str, dict[str, Any]],
    known: dict[str, dict[str, dict[str, Any]]],
) -> dict[str, dict[str, Any]]:
    """Each intent's references, by dedupe key, with the application, candidate and position
    its interview or application leads to."""
    refs = {i.dedupe_key: dict(context[i.dedupe_key]) for i in intents}
    interviews = _links(
        session,
        "interview",
        [r["interview_id"] for r in refs.values() if r.get("interview_id")],
        ["application_id"],
        known.get("interview", {}),
    )
    for ref in refs.values():
        if ref.get("interview_id") and not ref.get("application_id"):
            ref["application_id"] = interviews.get(ref["interview_id"], {}).get("application_id")
    applications = _links(
        session,
        "application",
        [r["application_id"] for r in refs.values() if r.get("application_id")],
        ["candidate_id", "position_id"],
        known.get("application", {}),
    )
    for ref in refs.values():
        links = applications.get(ref.get("application_id") or "", {})
        ref["candidate_id"] = ref.get("candidate_id") or links.get("candidate_id")
        ref["position_id"] = ref.get("position_id") or links.get("position_id")
    return refs


def _row(intent: Intent, ref: dict[str, Any]) -> dict[str, Any]:
    ids = {
        name: ref.get(name)
        for name in ("candidate_id", "position_id", "application_id", "interview_id", "score_id")
    }
    payload = {
        "entity_kind": intent.entity_kind,
        "entity_id": intent.entity_id,
        "version": intent.version,
        "event_id": ref.get("event_id"),
        "source": ref.get("source"),
        **ids,
        **intent.payload,
    }
    return {
        "kind": intent.kind,
        "entity_kind": intent.entity_kind,
        "entity_id": intent.entity_id,
        "entity_version": intent.version,
        "dedupe_key": intent.dedupe_key,
        "payload": payload,
        "state": "pending",
        "attempts": 0,
    }
