"""POST /api/v1/hr/positions/{position_id}/decisions/bulk: a selection decided at once, each
application like a single decision; scope, idempotency and the report of what happened."""

from __future__ import annotations

from datetime import UTC, datetime

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.access.visibility import STAFF, Viewer
from services.decisions.decide import record_decision
from storage.action_models import Decision
from storage.models import Application
from storage.sync_models import OutboxEvent
from tests import factories as f

URL = "/api/v1/hr/positions/p-1/decisions/bulk"


def _world(s: Session) -> dict[str, dict[str, str]]:
    f.department(s, "d-1")
    f.department(s, "d-2")
    owner = f.staff(s, "st-li", "hr_specialist", name="李娜")
    f.staff(s, "st-wang", "hr_specialist", name="王强")
    outsider = f.staff(s, "st-sun", "hr_specialist", name="孙丽")
    f.position(s, "p-1", "d-1", owners=["st-li", "st-wang"])
    f.position(s, "p-2", "d-2", owners=["st-sun"])
    for n, (position, overall) in enumerate([("p-1", 88), ("p-1", 91), ("p-1", 70), ("p-2", 90)]):
        f.candidate(s, f"c-{n}")
        f.application(
            s,
            f"a-{n}",
            f"c-{n}",
            position,
            requirements=[("id_card", "missing")] if n == 2 else [],
        )
        f.interview(s, f"i-{n}", f"a-{n}", status="completed")
        f.score(s, f"s-{n}", f"i-{n}", float(overall))
    s.commit()
    return {
        "owner": f.bearer(f.token_for(staff_row=owner)),
        "outsider": f.bearer(f.token_for(staff_row=outsider)),
    }


def _bulk(client: FlaskClient, headers: dict[str, str], ids: list[str], key: str = "bulk-001"):  # type: ignore[no-untyped-def]
    body = {"application_ids": ids, "decision": "advance", "idempotency_key": key}
    return client.post(URL, headers=headers, json=body)


def test_a_selection_is_decided_one_by_one_and_reported(
    client: FlaskClient, session: Session
) -> None:
    who = _world(session)
    wang = Viewer(
        dingtalk_user_id="u-wang", staff_id="st-wang", staff_role="hr_specialist", roles=(STAFF,)
    )
    record_decision(
        session,
        application_id="a-1",
        decision="reject",
        actor=wang,
        reason="other",
        source="api",
        idempotency_key="wang-1",
        now=datetime.now(UTC),
    )
    ids = ["a-0", "a-1", "a-2", "a-3", "nope"]
    response = _bulk(client, who["owner"], ids)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["decided"] == ["a-0"]
    assert body["already"] == [{"application_id": "a-1", "by": "王强", "decision": "reject"}]
    assert {(x["application_id"], x["reason"]) for x in body["failed"]} == {
        ("a-2", "requirement_pending"),
        ("a-3", "not_found"),  # another position's application
        ("nope", "not_found"),
    }
    session.expire_all()
    assert session.get(Application, "a-0").stage == "interview"  # type: ignore[union-attr]
    # Each decision has its own outbox row: written back and shown on cards like a single one.
    kinds = session.scalars(select(OutboxEvent.payload["application_id"].as_string())).all()
    assert sorted(k for k in kinds if k) == ["a-0", "a-1"]

    again = _bulk(client, who["owner"], ids)  # the same key: nothing is decided twice
    assert again.get_json()["decided"] == ["a-0"]
    count = select(func.count()).select_from(Decision).where(Decision.application_id == "a-0")
    assert session.scalar(count) == 1


def test_bulk_outside_scope_is_404_and_bad_bodies_are_400(
    client: FlaskClient, session: Session
) -> None:
    who = _world(session)
    assert _bulk(client, who["outsider"], ["a-0"]).status_code == 404
    assert _bulk(client, {}, ["a-0"]).status_code == 401
    for bad in (
        {"application_ids": [], "decision": "advance", "idempotency_key": "bulk-001"},
        {"application_ids": ["a-0"], "decision": "withdraw", "idempotency_key": "bulk-001"},
        {"application_ids": ["a-0"], "decision": "advance", "idempotency_key": "x"},
        {"application_ids": ["a-0"] * 501, "decision": "advance", "idempotency_key": "bulk-001"},
    ):
        response = client.post(URL, headers=who["owner"], json=bad)
        assert response.status_code == 400, bad
        assert set(response.get_json()["error"]) == {"code", "message"}
    session.expire_all()
    assert session.get(Application, "a-0").stage == "ai_interview"  # type: ignore[union-attr]
