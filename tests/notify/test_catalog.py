"""The notification catalogue names every outbox kind and every card purpose, and nothing else."""

from __future__ import annotations

import ast
from pathlib import Path

from jobs.dispatch import (
    CALENDAR,
    DEFAULT_JOB,
    JOB_FOR_KIND,
    OWN_JOBS,
    WRITE_BACK,
    consumed_kinds,
)
from services.decisions.cards import WRITEBACK_KINDS
from services.digests.push import DIGEST_PURPOSE
from services.notify.catalog import CARDS, OUTBOX
from storage.sync_models import OUTBOX_KINDS

SERVICES = Path(__file__).resolve().parents[2] / "services"


def _planned_purposes() -> dict[str, list[str]]:
    """Every purpose a `PlannedCard(...)` in services/ names, with where it is named."""
    found: dict[str, list[str]] = {}
    for path in sorted(SERVICES.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "PlannedCard"):
                continue
            where = f"{path.relative_to(SERVICES.parent)}:{node.lineno}"
            purpose = node.args[0] if node.args else None
            # A purpose computed at run time would hide from this check: planners name it.
            assert isinstance(purpose, ast.Constant), f"{where}: purpose is not a literal"
            assert isinstance(purpose.value, str), where
            found.setdefault(purpose.value, []).append(where)
    return found


def test_every_outbox_kind_has_exactly_one_entry() -> None:
    assert len(set(OUTBOX_KINDS)) == len(OUTBOX_KINDS)
    missing = sorted(set(OUTBOX_KINDS) - set(OUTBOX))
    unknown = sorted(set(OUTBOX) - set(OUTBOX_KINDS))
    assert missing == [], f"outbox kinds without an entry in the catalogue: {missing}"
    assert unknown == [], f"catalogue entries for kinds the outbox never holds: {unknown}"


def test_every_card_purpose_a_planner_uses_has_a_builder_and_no_other() -> None:
    used = _planned_purposes()
    # HR's digest card is pushed by its own job (a digest gathers many outbox rows), not planned.
    used.setdefault(DIGEST_PURPOSE, ["services/digests/push.py"])
    assert used, "no PlannedCard found under services/: the scan is looking in the wrong place"
    missing = sorted(set(used) - set(CARDS))
    unused = sorted(set(CARDS) - set(used))
    assert missing == [], f"purposes without a builder: {[(p, used[p]) for p in missing]}"
    assert unused == [], f"builders of purposes no planner uses: {unused}"
    assert all(kind.title for kind in CARDS.values())


def test_the_kinds_written_back_are_those_the_write_back_knows() -> None:
    written_back = {kind for kind, handling in OUTBOX.items() if handling.write_back}
    assert written_back == set(WRITEBACK_KINDS)


def test_dispatch_routes_by_the_catalogue() -> None:
    for kind, handling in OUTBOX.items():
        if kind in OWN_JOBS:  # feedback from a card, the offer's draft and write-backs
            assert JOB_FOR_KIND[kind] == OWN_JOBS[kind], kind
        elif handling.write_back:
            assert JOB_FOR_KIND[kind] == WRITE_BACK, kind
        elif handling.calendar:
            assert JOB_FOR_KIND[kind] == CALENDAR, kind
        elif handling.plan is not None:
            assert JOB_FOR_KIND[kind] == DEFAULT_JOB, kind
        else:
            assert kind not in JOB_FOR_KIND, kind
    # The kinds that are only a record: interview and stage changes, nothing else.
    assert set(OUTBOX_KINDS) - consumed_kinds() == {
        "interview.opened",
        "interview.attended",
        "interview.no_show",
        # The candidate's confirmation: the click itself updates the card.
        "interview.round_confirmed",
        # HR's answer on a training alert: the click updates the card; the row is the record.
        "training.answered",
    }
