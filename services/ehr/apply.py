"""Apply validated EHR events to the cache, set-based, inside the caller's transaction.

Per entity kind (parents first): lock the cached rows of the batch's entities in id order (so two
concurrent batches never deadlock), replay each entity's events in version order in memory, and
insert the new entities. Then, for the whole batch, a few multi-row statements write the updates
and collections, the history, the outbox and the events' states. A version not greater than the
cached one is stale; an upsert whose parent is not cached yet, or a delete of an entity never
seen, is held and re-applied when that entity arrives.

An entity another transaction inserted first (its insert was skipped) is replayed against the
committed row. If its row can still be neither inserted nor read after the retries, the batch
raises `EntityRaceLost` and rolls back whole: its events were recorded as received, and an
event recorded but not applied would be lost for good (the EHR's retry would be a duplicate).
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from services.ehr.contract import (
    APPLY_ORDER,
    ENTITY_FIELDS,
    PARENT_REFS,
    ParsedEvent,
    parse_event,
)
from services.ehr.outbox import Intent, outbox_intents, write_outbox
from services.errors import DomainError
from storage.ehr_cache import (
    EntityState,
    existing_ids,
    insert_children,
    insert_entities,
    load_states,
    update_entities,
)
from storage.ehr_log import (
    add_history,
    begin_applying,
    list_held_waiting_for,
    set_event_states,
)

log = logging.getLogger(__name__)


class WorkItem(NamedTuple):
    """An event to apply, with where and when it came in; `held` if it was waiting already."""

    event: ParsedEvent
    source: str
    received_at: datetime
    held: bool = False


class _Plan:
    """What applying one entity's events would write; discarded if its insert loses a race.

    A plain class with slots: one is made per entity, and a dataclass's default factories cost
    more than the plan's own bookkeeping.
    """

    __slots__ = ("counts", "is_new", "records", "state", "states")

    def __init__(self, *, is_new: bool) -> None:
        self.state: EntityState | None = None
        self.is_new = is_new
        # (event, state before, state after; None when stale): described in history and
        # outbox by `_finish`, for the whole batch at once.
        self.records: list[tuple[WorkItem, EntityState | None, EntityState | None]] = []
        self.states: list[dict[str, Any]] = []
        self.counts: dict[str, int] = {}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """{field: {"before", "after"}} for every field whose value changed.

    Values stay as they are (datetimes included): the JSON encoder of the history column writes
    them, which costs far less than converting each one here.
    """
    changes = {}
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name), after.get(name)
        if old != new:
            changes[name] = {"before": old, "after": new}
    return changes


def _references(kind: str, entity_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    refs: dict[str, Any] = {f"{kind}_id": entity_id}
    for name in ("interview_id", "application_id", "candidate_id", "position_id"):
        if name in fields:
            refs[name] = fields[name]
    return refs


# Replays of an entity whose insert another transaction won. One is enough under READ COMMITTED
# (the replay reads and locks the row the winner committed); the second is a margin. A loss after
# it means the row could be neither written nor read: retrying the batch later is all that is left.
RACE_RETRIES = 2


class EntityRaceLost(DomainError):
    """Entities whose rows could be neither inserted nor read after the retries; nothing of the
    batch was kept. 503: the EHR retries the batch, the next pull re-reads its pages."""

    code = "retry_later"
    http_status = 503
    retry_after = 5


class Applier:
    """Applies work items for one transaction and remembers what it wrote."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session = session
        self.now = now
        self.counts: Counter[str] = Counter()
        self.created: dict[str, set[str]] = defaultdict(set)
        # Ids known to have a cached row in this transaction (read under lock, or inserted).
        self.known: dict[str, set[str]] = defaultdict(set)
        # Entities inserted without their collections, and updates not written yet.
        self._new: dict[str, list[EntityState]] = defaultdict(list)
        self._updated: dict[str, list[EntityState]] = defaultdict(list)
        self._records: list[tuple[WorkItem, EntityState | None, EntityState | None]] = []
        self._states: list[dict[str, Any]] = []

    def run(self, items: list[WorkItem]) -> Counter[str]:
        """Apply the items and everything they release; write history, outbox and states;
        return the counts."""
        self._apply(items)
        return self._finish()

    def _apply(self, items: list[WorkItem]) -> None:
        """Lock and insert the entities (parents first); hold what cannot be applied yet."""
        by_kind: dict[str, list[WorkItem]] = defaultdict(list)
        for item in items:
            by_kind[item.event.kind].append(item)
        # Events held in this batch stay provisional until the end, so only older ones matter.
        any_held = begin_applying(self.session)
        for kind in APPLY_ORDER:
            pending = by_kind.get(kind, [])
            if any_held:
                pending = pending + self._released(kind, pending)
            if pending:
                self._apply_kind(kind, pending)

    def _finish(self) -> Counter[str]:
        """Write what `_apply` planned: updates and collections, then the history, the outbox
        and the events' states, each kind of row in a few statements for the whole batch."""
        for kind in APPLY_ORDER:
            update_entities(self.session, kind, self._updated.pop(kind, []))
            insert_children(self.session, kind, self._new.pop(kind, []))
        history, intents = self._describe()
        add_history(self.session, history)
        context = {intent.dedupe_key: ctx for intent, ctx in intents}
        self.counts["outbox"] += write_outbox(
            self.session,
            [intent for intent, _ in intents],
            context=context,
            known=self._links(),
        )
        set_event_states(self.session, self._states)
        return self.counts

    def _links(self) -> dict[str, dict[str, dict[str, Any]]]:
        """What the outbox looks up, for the interviews and applications this batch wrote: the
        rows now hold exactly these values."""
        links: dict[str, dict[str, dict[str, Any]]] = {"interview": {}, "application": {}}
        for item, _, after in self._records:
            if after is None:
                continue
            kind = item.event.kind
            if kind == "interview":
                links[kind][after.id] = {"application_id": after.fields["application_id"]}
            elif kind == "application":
                fields = after.fields
                links[kind][after.id] = {
                    "candidate_id": fields["candidate_id"],
                    "position_id": fields["position_id"],
                }
        return links

    def _released(self, kind: str, pending: list[WorkItem]) -> list[WorkItem]:
        waiting = [(p, i) for p, _ in PARENT_REFS.get(kind, ()) for i in self.created[p]]
        waiting += [(kind, item.event.entity_id) for item in pending]
        released = []
        # Rows another transaction is releasing are locked and skipped here.
        for row in list_held_waiting_for(self.session, kind, waiting):
            event = parse_event(row.payload)
            if isinstance(event, ParsedEvent):
                released.append(WorkItem(event, row.source, row.received_at, held=True))
        self.counts["released"] += len(released)
        return released

    def _apply_kind(self, kind: str, items: list[WorkItem], *, attempt: int = 0) -> None:
        groups: dict[str, list[WorkItem]] = defaultdict(list)
        for item in items:
            groups[item.event.entity_id].append(item)
        fields = list(ENTITY_FIELDS[kind])
        current = load_states(self.session, kind, list(groups), fields=fields)
        self.known[kind].update(current)
        missing = self._missing_parents(kind, items)
        plans = {
            eid: self._plan(kind, current.get(eid), group, missing)
            for eid, group in sorted(groups.items())
        }
        new = [p.state for p in plans.values() if p.is_new and p.state is not None]
        inserted = insert_entities(self.session, kind, new)
        lost = {s.id for s in new} - inserted
        # The rows are locked (or ours) now: the rest of the writing waits for `_finish`, which
        # writes every kind's collections, history and outbox together.
        self._new[kind] += [state for state in new if state.id in inserted]
        self._updated[kind] += [
            p.state for p in plans.values() if not p.is_new and p.state is not None
        ]
        self.created[kind].update(inserted)
        self.known[kind].update(inserted)
        for eid, plan in plans.items():
            if eid not in lost:
                self._records += plan.records
                self._states += plan.states
                self.counts.update(plan.counts)
        if not lost:
            return
        if attempt == RACE_RETRIES:
            log.warning(
                "EHR entities neither inserted nor found; the batch rolls back",
                extra={"ctx": {"kind": kind, "entity_ids": sorted(lost)[:20]}},
            )
            raise EntityRaceLost(
                f"{kind} {', '.join(sorted(lost)[:20])}: neither inserted nor found after"
                f" {attempt + 1} attempts; nothing of the batch was applied, retry it"
            )
        # A concurrent batch created these first; replay against its committed rows.
        self._apply_kind(kind, [i for i in items if i.event.entity_id in lost], attempt=attempt + 1)

    def _missing_parents(self, kind: str, items: list[WorkItem]) -> set[tuple[str, str]]:
        wanted: dict[str, set[str]] = defaultdict(set)
        for item in items:
            if item.event.operation == "upserted":
                for parent_kind, ref in PARENT_REFS.get(kind, ()):
                    wanted[parent_kind].add(item.event.fields[ref])
        missing: set[tuple[str, str]] = set()
        for parent_kind, ids in wanted.items():
            unknown = ids - self.known[parent_kind]
            found = existing_ids(self.session, parent_kind, unknown) if unknown else set()
            self.known[parent_kind].update(found)
            missing.update((parent_kind, i) for i in unknown - found)
        return missing

    def _plan(
        self,
        kind: str,
        state: EntityState | None,
        group: list[WorkItem],
        missing: set[tuple[str, str]],
    ) -> _Plan:
        plan = _Plan(is_new=state is None)
        for item in sorted(group, key=lambda i: (i.event.version, i.held)):
            event = item.event
            if state is not None and event.version <= state.version:
                self._record(plan, item, "stale", before=state, after=None)
                continue
            waiting = self._waiting_for(kind, event, state, missing)
            if waiting is not None:
                plan.counts["held"] = plan.counts.get("held", 0) + 1
                plan.states.append(self._state_row(event, "held", waiting))
                continue
            if event.operation == "deleted":
                assert state is not None
                after = EntityState(state.id, event.version, True, state.fields, state.extra)
            else:
                after = EntityState(
                    event.entity_id, event.version, False, event.fields, event.extra
                )
            self._record(plan, item, "applied", before=state, after=after)
            state = plan.state = after
        return plan

    @staticmethod
    def _waiting_for(
        kind: str, event: ParsedEvent, state: EntityState | None, missing: set[tuple[str, str]]
    ) -> tuple[str, str] | None:
        if event.operation == "deleted":
            return (kind, event.entity_id) if state is None else None
        for parent_kind, ref in PARENT_REFS.get(kind, ()):
            if (parent_kind, event.fields[ref]) in missing:
                return (parent_kind, event.fields[ref])
        return None

    def _record(
        self,
        plan: _Plan,
        item: WorkItem,
        outcome: str,
        *,
        before: EntityState | None,
        after: EntityState | None,
    ) -> None:
        plan.counts[outcome] = plan.counts.get(outcome, 0) + 1
        if outcome != "applied" or item.held:
            plan.states.append(self._state_row(item.event, outcome, None))
        plan.records.append((item, before, after))

    def _describe(
        self,
    ) -> tuple[list[dict[str, Any]], list[tuple[Intent, dict[str, Any]]]]:
        """The history row of every applied or stale event, and the outbox intents."""
        history: list[dict[str, Any]] = []
        intents: list[tuple[Intent, dict[str, Any]]] = []
        for item, before, after in self._records:
            event = item.event
            changes: dict[str, Any] = {}
            if after is None:
                operation = "stale"
            else:
                operation = (
                    "deleted" if after.deleted else ("created" if before is None else "updated")
                )
                # A creation's changes stay empty: every field went from nothing to its value in
                # `data`, which holds each value once (`ChangeHistory.field_changes` shows them
                # as pairs). Creations are most of what a first load writes, and writing every
                # value a second time cost it about a tenth of its time.
                if operation != "created":
                    old = (
                        {**before.fields, "deleted": before.deleted, "extra": before.extra}
                        if before
                        else {}
                    )
                    new = {**after.fields, "deleted": after.deleted, "extra": after.extra}
                    changes = diff(old, new)
                if not after.deleted:
                    refs = _references(event.kind, event.entity_id, event.fields)
                    refs.update(event_id=event.id, source=item.source)
                    for intent in outbox_intents(
                        event.kind,
                        event.entity_id,
                        event.version,
                        before=None if before is None or before.deleted else before.fields,
                        after=after.fields,
                    ):
                        intents.append((intent, refs))
            history.append(
                {
                    "entity_kind": event.kind,
                    "entity_id": event.entity_id,
                    "version": event.version,
                    "event_id": event.id,
                    "source": item.source,
                    "operation": operation,
                    "received_at": item.received_at,
                    "applied_at": self.now,
                    "changes": changes,
                    "data": event.raw.get("data", {}),
                }
            )
        return history, intents

    def _state_row(
        self, event: ParsedEvent, state: str, waiting: tuple[str, str] | None
    ) -> dict[str, Any]:
        return {
            "id": event.id,
            "state": state,
            "waiting_for_kind": waiting[0] if waiting else None,
            "waiting_for_id": waiting[1] if waiting else None,
            "applied_at": self.now if state == "applied" else None,
        }
