"""Poisoned events, through the webhook and the pull, on PostgreSQL and SQLite.

Each poison is one event of an otherwise valid batch holding something the database cannot
store or a parser refuses: it must be that event's rejection, kept as a dead letter, while the
events beside it apply; the pull must move its cursor past it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient
from sqlalchemy import func, select

from clients.ehr import _decode
from jobs.sync import iter_pull, run_pull
from sandbox.ehr import events as ev
from storage.ehr_log import get_cursor
from storage.models import Department
from storage.runtime import Runtime
from storage.sync_models import DeadLetter
from tests.ehr.conftest import FixedFeed, with_settings
from web import create_app

MARK = '"__POISON__"'
DEEP = "[" * 300 + "]" * 300
# JSON text spliced into one event: (where, text). "name" is a contract field, "extra" an
# unknown one, "key" an unknown field's name, "id" the event id, "type" the event type.
POISONS: dict[str, tuple[str, str]] = {
    "nul in a name": ("name", '"a\\u0000b"'),
    "nul in an unknown field": ("extra", '"a\\u0000b"'),
    "nul in an unknown key": ("key", '"a\\u0000b"'),
    "nul in the event id": ("id", '"evt-\\u0000"'),
    "nul in the type": ("type", '"department.upserted\\u0000"'),
    "lone surrogate": ("extra", '"\\ud800"'),
    "5,000 digits": ("extra", "1" + "0" * 5000),
    "a version beyond 64 bits": ("version", "1" + "0" * 25),
    "a version in other digits": ("version", '"\u00b2"'),
    "NaN": ("extra", "NaN"),
    "Infinity": ("extra", "-Infinity"),
    "nested 300 levels": ("extra", DEEP),
}


def _poisoned_text(where: str, token: str) -> str:
    data = ev.department("d-poison", name="poison")
    event = ev.event("department", data, event_id="evt-poison")
    if where in ("name", "version"):
        data[where] = "__POISON__"
    elif where == "extra":
        data["vendor_field"] = "__POISON__"
    elif where == "key":
        data["vendor_field"] = 1
    else:
        event[where] = "__POISON__"
    text = json.dumps(event, ensure_ascii=False)
    if where == "key":
        return text.replace('"vendor_field"', token)
    return text.replace(MARK, token)


def _batch_text(poison: str) -> str:
    where, token = POISONS[poison]
    before = json.dumps(ev.event("department", ev.department("d-before"), event_id="evt-before"))
    after = json.dumps(ev.event("department", ev.department("d-after"), event_id="evt-after"))
    return '{"events": [' + ", ".join([before, _poisoned_text(where, token), after]) + "]}"


def _departments(runtime: Runtime) -> set[str]:
    with runtime.session_factory() as session:
        return set(session.scalars(select(Department.id)))


def _letters(runtime: Runtime) -> list[DeadLetter]:
    with runtime.session_factory() as session:
        return list(session.scalars(select(DeadLetter).order_by(DeadLetter.id)))


@pytest.mark.parametrize("poison", list(POISONS))
def test_a_poisoned_event_in_a_webhook_batch_is_rejected_alone(
    any_runtime: Runtime, poison: str
) -> None:
    client: FlaskClient = create_app(
        runtime=any_runtime, test_config={"TESTING": True}
    ).test_client()
    body = _batch_text(poison).encode()
    headers = ev.sign(body, any_runtime.settings.require("EHR_WEBHOOK_SECRET"))
    response = client.post("/ehr/events", data=body, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.json
    assert answer is not None
    assert answer["accepted"] == ["evt-before", "evt-after"]
    assert len(answer["rejected"]) == 1
    assert _departments(any_runtime) == {"d-before", "d-after"}
    (letter,) = _letters(any_runtime)
    assert letter.reason
    if "unstorable" in letter.raw:  # kept escaped, marked so that a replay rejects it again
        assert letter.raw["unstorable"] == letter.reason
    # The EHR retries what it sent: the same batch again is duplicates and one more rejection.
    again = client.post("/ehr/events", data=body, headers=headers)
    assert again.status_code == 200 and again.json is not None
    assert again.json["duplicates"] == ["evt-before", "evt-after"]


@pytest.mark.parametrize("poison", list(POISONS))
def test_the_pull_moves_past_a_poisoned_event(any_runtime: Runtime, poison: str) -> None:
    page = _decode(_batch_text(poison).encode())
    assert page is not None, "the page must parse, the poison kept for the event's rejection"
    events: list[dict[str, Any]] = page["events"]
    feed = FixedFeed([events[:2], events[2:]])
    for _progress in iter_pull(any_runtime, client=feed):  # type: ignore[arg-type]
        pass
    assert _departments(any_runtime) == {"d-before", "d-after"}
    assert len(_letters(any_runtime)) == 1
    with any_runtime.session_factory() as session:
        cursor = get_cursor(session, "ehr_feed")
        assert cursor is not None and cursor.cursor == "c-2"


def test_the_pull_moves_past_poison_served_by_the_demo_ehr(runtime: Runtime, demo_ehr: str) -> None:
    """Over HTTP, from the demo EHR's change feed: NUL, a lone surrogate, NaN, deep nesting."""
    poisons = ["nul in a name", "nul in the event id", "lone surrogate", "NaN", "nested 300 levels"]
    events: list[Any] = []
    for n, poison in enumerate(poisons):
        event = json.loads(_poisoned_text(*POISONS[poison]))
        event["id"] = event["id"] if "id" in POISONS[poison][0] else f"evt-poison-{n}"
        events += [ev.event("department", ev.department(f"d-{n}"), event_id=f"evt-ok-{n}"), event]
    # Sent as text: `requests` refuses NaN, the demo EHR (the stdlib's json) stores and serves it.
    body = json.dumps({"events": events, "push": False})
    requests.post(f"{demo_ehr}/_demo/events", data=body, timeout=10).raise_for_status()
    pulled = with_settings(runtime, EHR_BASE_URL=demo_ehr, EHR_PULL_PAGE_SIZE=3)
    progress = run_pull(pulled)
    assert progress.events == len(events)
    assert _departments(runtime) == {f"d-{n}" for n in range(len(poisons))}
    with runtime.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(DeadLetter)) == len(poisons)
        cursor = get_cursor(session, "ehr_feed")
        assert cursor is not None and cursor.cursor == f"c-{len(events)}"


def test_a_dead_letter_of_a_poisoned_event_replays_as_a_rejection(runtime: Runtime) -> None:
    client = create_app(runtime=runtime, test_config={"TESTING": True}).test_client()
    body = _batch_text("nul in a name").encode()
    client.post("/ehr/events", data=body, headers=ev.sign(body, "test-webhook-secret"))
    from services.ehr.admin import replay_dead_letters

    (letter,) = _letters(runtime)
    with runtime.session_factory() as session:
        replay_dead_letters(session, [letter.id], now=ev.BASE_TIME)
    (after,) = _letters(runtime)
    assert after.replay_result is not None and after.replay_result.startswith("rejected")
    assert "d-poison" not in _departments(runtime)
