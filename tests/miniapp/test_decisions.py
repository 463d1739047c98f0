"""Decisions and flags: the services the card actions share, through the HTTP endpoints."""

from __future__ import annotations

import threading
import time

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.decisions.decide import record_decision
from services.errors import Conflict
from storage.action_models import Decision, ScoreFlag
from storage.models import Application, Staff
from storage.runtime import Runtime
from storage.sync_models import OutboxEvent
from tests import factories as f


def decision_world(
    s: Session, *, stage: str = "ai_interview", requirements: list[tuple[str, str]] | None = None
) -> dict[str, str]:
    f.department(s, "d-1")
    admin = f.staff(s, "st-admin", "admin", name="Ada Admin")
    f.staff(s, "st-other", "admin", name="Otto Other")
    f.position(s, "p-1", "d-1")
    f.candidate(s, "c-1")
    f.application(s, "a-1", "c-1", "p-1", stage=stage, requirements=requirements or [])
    f.interview(s, "i-1", "a-1", status="completed")
    f.score(s, "s-1", "i-1", 80.0)
    s.commit()
    return f.bearer(f.token_for(staff_row=admin))


def _decide(client: FlaskClient, headers: dict[str, str], **body: object):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/hr/applications/a-1/decisions", headers=headers, json=body)


@pytest.mark.parametrize(
    ("stage", "decision", "new_stage"),
    [
        ("ai_interview", "advance", "interview"),
        ("interview", "advance", "offer"),
        ("offer", "advance", "hired"),
        ("interview", "reject", "rejected"),
        ("interview", "withdraw", "withdrawn"),
        ("interview", "hold", "interview"),
    ],
)
def test_decision_applies_stage_and_writes_outbox(
    client: FlaskClient, session: Session, stage: str, decision: str, new_stage: str
) -> None:
    headers = decision_world(session, stage=stage)
    response = _decide(client, headers, decision=decision, idempotency_key="k1")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["decision"], body["sequence"], body["actor_staff_id"]) == (decision, 1, "st-admin")
    session.expire_all()
    assert session.get_one(Application, "a-1").stage == new_stage
    event = session.scalars(select(OutboxEvent)).one()
    assert event.kind == "decision.recorded"
    assert event.payload == {
        "decision_id": body["id"],
        "application_id": "a-1",
        "decision": decision,
        "actor_staff_id": "st-admin",
        "idempotency_key": body["idempotency_key"],
    }


def test_same_idempotency_key_returns_the_same_decision(
    client: FlaskClient, session: Session
) -> None:
    headers = decision_world(session)
    first = _decide(client, headers, decision="advance", idempotency_key="same").get_json()
    again = _decide(client, headers, decision="advance", idempotency_key="same").get_json()
    assert first == again
    assert len(session.scalars(select(Decision)).all()) == 1
    assert len(session.scalars(select(OutboxEvent)).all()) == 1


@pytest.mark.parametrize("status", ["missing", "rejected"])
def test_advance_refused_while_requirement_pending(
    client: FlaskClient, session: Session, status: str
) -> None:
    headers = decision_world(session, requirements=[("health_cert", status)])
    response = _decide(client, headers, decision="advance")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "requirement_pending"
    assert "health_cert label" in response.get_json()["error"]["message"]
    assert session.scalars(select(Decision)).all() == []
    assert _decide(client, headers, decision="reject").status_code == 201


def test_closed_application_refuses_decisions(client: FlaskClient, session: Session) -> None:
    headers = decision_world(session, stage="rejected")
    response = _decide(client, headers, decision="advance")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "application_closed"


def test_concurrent_decision_loser_is_told_who_decided(runtime: Runtime, session: Session) -> None:
    decision_world(session)
    me = f.viewer_of(session.get_one(Staff, "st-admin"))
    # Another HR's transaction holds sequence 1, not yet committed.
    other = runtime.session_factory()
    other.add(
        Decision(
            application_id="a-1",
            sequence=1,
            decision="reject",
            actor_staff_id="st-other",
            source="card",
            idempotency_key="card:x",
        )
    )
    other.flush()
    outcome: dict[str, object] = {}

    def mine() -> None:
        s = runtime.session_factory()
        try:
            record_decision(
                s,
                application_id="a-1",
                decision="advance",
                actor=me,
                reason=None,
                source="api",
                idempotency_key="api:mine",
                now=f.NOW,
            )
            outcome["result"] = "won"
        except Conflict as exc:
            outcome["result"] = exc
        finally:
            s.close()

    thread = threading.Thread(target=mine)
    thread.start()
    time.sleep(0.5)  # mine is now blocked on the unique (application_id, sequence) index
    other.commit()
    other.close()
    thread.join(10)
    exc = outcome["result"]
    assert isinstance(exc, Conflict), exc
    assert exc.code == "already_decided"
    assert "Otto Other" in exc.message and "reject" in exc.message
    session.expire_all()
    assert session.get_one(Application, "a-1").stage == "ai_interview"
    assert session.scalars(select(OutboxEvent)).all() == []


def test_flag_records_and_queues(client: FlaskClient, session: Session) -> None:
    headers = decision_world(session)
    response = client.post(
        "/api/v1/hr/scores/s-1/flags", headers=headers, json={"note": "audio was broken"}
    )
    assert response.status_code == 201
    flag = session.scalars(select(ScoreFlag)).one()
    assert (flag.score_id, flag.staff_id, flag.note) == ("s-1", "st-admin", "audio was broken")
    event = session.scalars(select(OutboxEvent)).one()
    assert (event.kind, event.entity_id, event.payload["flag_id"]) == (
        "score.flagged",
        "s-1",
        flag.id,
    )
    blank = client.post("/api/v1/hr/scores/s-1/flags", headers=headers, json={"note": "   "})
    assert blank.status_code == 400
