"""What importing read rows would change in the cache, as contract events.

Each row has stable keys: its candidate by mobile or id (a cached candidate with that mobile is
that candidate), its application by candidate and position, its AI interview by application and
time, its score by interview. An entity none of them finds gets an id derived from its key (an
HMAC, so a mobile cannot be read back from an id), so importing the same row again finds it.

The import creates what is missing and updates only what it created itself (the events carry
`imported_from`, kept in the entity's `extra`): an application or interview is never updated
(HR and the EHR move them on), a candidate or score the EHR sent is never overwritten. A changed
imported score becomes `revised` with the next version, so its history keeps the old values.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from services.ehr.contract import Rejection, parse_event
from services.imports import fields as f
from services.imports.cache import CachedScore, ImportCache
from services.imports.rows import Problem

IMPORTED_FROM = "imported_from"
CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
VALIDATION_TIME = "2026-01-01T00:00:00+00:00"  # events get their time when applied


@dataclass
class RowPlan:
    row: int
    action: str
    candidate_id: str
    score_id: str
    name: str = ""
    changes: list[str] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Plan:
    rows: list[RowPlan] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class Planner:
    """Plans rows one by one, remembering what earlier rows of the file create."""

    def __init__(
        self, session: Session, rows: list[dict[str, Any]], *, secret: str, source: str
    ) -> None:
        self.cache = ImportCache(session, rows)
        self.secret = secret.encode()
        self.source = source
        self.planned: dict[str, int] = {}  # "kind:id" planned in this file -> row number
        self.pending: dict[str, int] = {}  # the same for the row being planned
        self.plan = Plan()

    def _id(self, prefix: str, *parts: str) -> str:
        digest = hmac.new(self.secret, "|".join(parts).encode(), hashlib.sha256).hexdigest()
        return f"imp-{prefix}-{digest[:24]}"

    def _event(self, kind: str, entity_id: str, version: int, data: dict[str, Any]) -> Any:
        body = {"id": entity_id, "version": version, **data, IMPORTED_FROM: self.source}
        event_id = f"import:{kind}:{entity_id}:v{version}"
        return {"id": event_id, "type": f"{kind}.upserted", "data": body}

    def add(self, item: dict[str, Any], headers: dict[str, str]) -> None:
        """Plan one read row, or note why it cannot be imported."""
        number, values = item["row"], item["values"]
        position_id = self.cache.position(values["position"])
        if not isinstance(position_id, str):
            reason = _no_position(values["position"], position_id)
            self.plan.problems.append(Problem(number, headers[f.POSITION], reason))
            return
        row = RowPlan(number, UNCHANGED, "", "", name=values["name"])
        self.pending = {}
        candidate_id = self._candidate(row, values, position_id)
        application_id = self._application(row, values, candidate_id, position_id)
        interview_id = self._interview(row, values, application_id)
        key = f"score:{interview_id}"
        if key in self.planned:
            reason = f"the same candidate, position and time as row {self.planned[key]}"
            self.plan.problems.append(Problem(number, headers[f.INTERVIEWED_AT], reason))
            return
        problem = self._score(row, values, interview_id)
        if problem:
            self.plan.problems.append(Problem(number, headers[f.OVERALL], problem))
            return
        rejection = _invalid(row.events)
        if rejection:
            self.plan.problems.append(Problem(number, "", rejection))
            return
        # Only now: a rejected row's entities are not there for the rows after it.
        self.planned.update(self.pending)
        self.planned[key] = number
        self.plan.rows.append(row)

    def _note(self, row: RowPlan, kind: str, entity_id: str, version: int, data: Any) -> None:
        row.events.append(self._event(kind, entity_id, version, data))
        self.pending[f"{kind}:{entity_id}"] = row.row
        if version == 1:
            row.action = CREATE
            row.changes.append(f"{kind} created")
        elif row.action != CREATE:
            row.action = UPDATE

    def _candidate(self, row: RowPlan, values: dict[str, Any], position_id: str) -> str:
        given, mobile = values.get("candidate_id"), values.get("mobile")
        found = self.cache.candidate_for(values, position_id)
        entity_id = found.id if found else given or self._id("c", mobile or "")
        row.candidate_id = entity_id
        data = {"name": values["name"], "mobile": mobile, "email": values.get("email")}
        if f"candidate:{entity_id}" in self.planned:
            return entity_id
        if found is None or found.deleted:
            self._note(row, "candidate", entity_id, (found.version + 1) if found else 1, data)
        elif IMPORTED_FROM in (found.extra or {}):
            before = {"name": found.name, "mobile": found.mobile, "email": found.email}
            changed = [name for name in data if data[name] != before[name]]
            if changed:
                self._note(row, "candidate", entity_id, found.version + 1, data)
                row.changes += [f"candidate.{name}" for name in changed]
        return entity_id

    def _application(
        self, row: RowPlan, values: dict[str, Any], candidate_id: str, position_id: str
    ) -> str:
        found = self.cache.applications.get((candidate_id, position_id))
        if found is not None:
            return found
        entity_id = self._id("a", candidate_id, position_id)
        if f"application:{entity_id}" not in self.planned:
            data = {
                "candidate_id": candidate_id,
                "position_id": position_id,
                "stage": "ai_interview",
                "stage_changed_at": values["interviewed_at"],
            }
            self._note(row, "application", entity_id, 1, data)
        return entity_id

    def _interview(self, row: RowPlan, values: dict[str, Any], application_id: str) -> str:
        at = datetime.fromisoformat(values["interviewed_at"])
        for cached in self.cache.interviews.get(application_id, []):
            if at in (cached.scheduled_at, cached.attended_at):
                return cached.id
        entity_id = self._id("i", application_id, at.isoformat())
        if f"interview:{entity_id}" not in self.planned:
            data = {
                "application_id": application_id,
                "round": 1,
                "kind": "ai",
                "scheduled_at": values["interviewed_at"],
                "attended_at": values["interviewed_at"],
                "interviewer_names": [],
                "status": "completed",
            }
            self._note(row, "interview", entity_id, 1, data)
        return entity_id

    def _score(self, row: RowPlan, values: dict[str, Any], interview_id: str) -> str | None:
        """Plan the row's score; a reason when the row would overwrite the EHR's."""
        found = self.cache.scores.get(interview_id)
        entity_id = found.id if found else self._id("s", interview_id)
        row.score_id = entity_id
        comment = values.get("comment")
        data = {
            "interview_id": interview_id,
            "status": "published",
            "overall": values["overall"],
            "dimensions": values["dimensions"],
            "comments": [{"author": self.source, "text": comment}] if comment else [],
            "published_at": values["interviewed_at"],
        }
        if found is None:
            self._note(row, "score", entity_id, 1, data)
            return None
        changed = _score_changes(found, data)
        if not changed:
            return None
        if IMPORTED_FROM not in (found.extra or {}):
            return f"the EHR's score {found.id} differs ({', '.join(changed)}); not overwritten"
        published = found.published_at.isoformat() if found.published_at else data["published_at"]
        revised = {**data, "status": "revised", "published_at": published}
        self._note(row, "score", entity_id, found.version + 1, revised)
        row.changes += [f"score.{name}" for name in changed]
        return None


def _no_position(key: str, ids: list[str] | None) -> str:
    if ids:
        return f"several positions are titled {key!r} ({', '.join(ids)}): write the position id"
    return f"no position has the id or title {key!r}"


def _invalid(events: list[dict[str, Any]]) -> str | None:
    """What the contract's validation would reject in a row's events (as the webhook would)."""
    for event in events:
        outcome = parse_event({**event, "occurred_at": VALIDATION_TIME})
        if isinstance(outcome, Rejection):
            return f"{event['type']}: {outcome.reason}"
    return None


def _score_changes(score: CachedScore, data: dict[str, Any]) -> list[str]:
    """The content fields of a cached score that `data` would change."""
    dims = score.dimensions
    new_dims = [(d["key"], d["label"], d["score"], d["max_score"]) for d in data["dimensions"]]
    comments = score.comments
    new_comments = [(c["author"], c["text"]) for c in data["comments"]]
    changed = []
    if score.overall != data["overall"]:
        changed.append("overall")
    if dims != new_dims:
        changed.append("dimensions")
    if comments != new_comments:
        changed.append("comments")
    return changed


def plan_rows(
    session: Session,
    rows: list[dict[str, Any]],
    headers: dict[str, str],
    *,
    secret: str,
    source: str,
) -> Plan:
    """Plan every read row against the cache (read only; nothing is written)."""
    planner = Planner(session, rows, secret=secret, source=source)
    for item in rows:
        planner.add(item, headers)
    return planner.plan
