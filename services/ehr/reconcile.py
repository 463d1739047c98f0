"""Full reconciliation: tombstone cached entities the EHR's full change feed no longer has.

A feed that comes back truncated (a vendor outage, a wrong filter) must not hide half the cache,
so the sweep refuses, and says so, when it would tombstone more than the configured share of any
kind's active records, unless forced.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from services.ehr.contract import APPLY_ORDER
from services.errors import Conflict
from storage.db import unit_of_work
from storage.ehr_cache import get_links, list_active_ids, mark_tombstones
from storage.ehr_log import add_history


class ReconcileRefused(Conflict):
    """The sweep would tombstone more than the allowed share; nothing was changed."""

    code = "reconcile_guard"


def plan_tombstones(
    session: Session, seen: Mapping[str, set[str]]
) -> dict[str, tuple[int, list[str]]]:
    """Per kind: (active records, ids of active records absent from the feed)."""
    plan = {}
    for kind in APPLY_ORDER:
        active = list_active_ids(session, kind)
        plan[kind] = (len(active), sorted(active - seen.get(kind, set())))
    return plan


def reconcile_absent_entities(
    session: Session,
    seen: Mapping[str, set[str]],
    *,
    max_share: float,
    force: bool,
    now: datetime,
) -> dict[str, int]:
    """Tombstone active entities not in `seen`; refuse above `max_share` unless `force`."""
    with unit_of_work(session):
        plan = plan_tombstones(session, seen)
        over = {
            kind: (active, len(ids))
            for kind, (active, ids) in plan.items()
            if ids and len(ids) > max_share * active
        }
        if over and not force:
            detail = ", ".join(f"{k}: {n} of {a} active" for k, (a, n) in over.items())
            raise ReconcileRefused(
                f"the full sync would tombstone more than {max_share:.0%} of active records "
                f"({detail}); nothing was tombstoned; check the EHR feed, or rerun with --force"
            )
        counts: dict[str, int] = {}
        for kind, (_active, ids) in plan.items():
            if not ids:
                continue
            versions = get_links(session, kind, ids, ["version"])
            mark_tombstones(session, kind, ids)
            add_history(
                session,
                [
                    {
                        "entity_kind": kind,
                        "entity_id": eid,
                        "version": versions[eid]["version"],
                        "event_id": None,
                        "source": "pull",
                        "operation": "deleted",
                        "received_at": now,
                        "applied_at": now,
                        "changes": {"deleted": {"before": False, "after": True}},
                        "data": {"reason": "absent_from_full_feed", "forced": force},
                    }
                    for eid in ids
                ],
            )
            counts[kind] = len(ids)
    return counts
