"""Concurrent webhook requests on PostgreSQL; the demo scenario; write-back; the admin CLI."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import requests
from flask import Flask
from sqlalchemy import text

from clients.ehr import EhrClient, EhrConflict, EhrNotFound
from sandbox.ehr import events as ev
from sandbox.ehr.testing import running_demo_ehr
from storage.models import Application, Candidate, Interview, Score
from storage.runtime import Runtime
from storage.sync_models import DeadLetter, OutboxEvent
from tests.ehr.conftest import Db, Post, org_events
from tests.support.servers import wait_until


def _post(url: str, events: list[dict[str, object]], secret: str) -> requests.Response:
    body = ev.batch_body(events)
    return requests.post(f"{url}/ehr/events", data=body, headers=ev.sign(body, secret), timeout=30)


def test_concurrent_updates_of_one_entity_highest_version_wins(
    live_backend: str, runtime: Runtime, post_events: Post, db: Db
) -> None:
    post_events(org_events())
    secret = runtime.settings.require("EHR_WEBHOOK_SECRET")
    updates = [
        ev.event("candidate", ev.candidate("cand-1", v, education=edu))
        for v, edu in ((3, "doctorate"), (2, "master"))
    ]
    answers: list[requests.Response] = []
    # Hold the candidate's row so both requests are inside their transactions at once.
    with runtime.engine.connect() as holder:
        holder.execute(text("SELECT 1 FROM candidate WHERE id = 'cand-1' FOR UPDATE"))
        threads = [
            threading.Thread(target=lambda e=e: answers.append(_post(live_backend, [e], secret)))
            for e in updates
        ]
        for t in threads:
            t.start()

        def _both_waiting() -> bool:
            with runtime.engine.connect() as conn:
                return (
                    conn.scalar(
                        text(
                            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                            " AND query LIKE 'SELECT candidate.id%'"
                        )
                    )
                    == 2
                )

        wait_until(_both_waiting, timeout=30)
        holder.rollback()
    for t in threads:
        t.join(timeout=30)
    assert sorted(r.status_code for r in answers) == [200, 200]
    cached = db.get(Candidate, "cand-1")
    assert (cached.version, cached.education) == (3, "doctorate")
    history = db.history("candidate", "cand-1")
    assert sorted(h.version for h in history) == [1, 2, 3]
    assert {h.event_id for h in history} >= {u["id"] for u in updates}


def test_concurrent_creates_of_one_entity_both_land(
    live_backend: str, runtime: Runtime, db: Db
) -> None:
    secret = runtime.settings.require("EHR_WEBHOOK_SECRET")
    barrier = threading.Barrier(8)
    answers: list[int] = []

    def send(version: int) -> None:
        event = ev.event("candidate", ev.candidate("cand-x", version))
        barrier.wait(timeout=10)
        answers.append(_post(live_backend, [event], secret).status_code)

    threads = [threading.Thread(target=send, args=(v,)) for v in range(1, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert answers == [200] * 8
    assert db.get(Candidate, "cand-x").version == 8
    assert sorted(h.version for h in db.history("candidate", "cand-x")) == list(range(1, 9))


def test_the_demo_scenario_pushed_by_the_demo_ehr(
    live_backend: str, runtime: Runtime, db: Db
) -> None:
    with running_demo_ehr(
        api_token="test-ehr-token",
        webhook_secret="test-webhook-secret",
        webhook_url=f"{live_backend}/ehr/events",
    ) as url:
        answer = requests.post(f"{url}/_demo/scenario", timeout=60).json()
    assert answer["pushed"] == [200]
    assert db.count(Candidate) == 20 and db.count(Score) == 12
    assert db.get(Candidate, "cand-05").dingtalk_user_id is None
    assert db.get(Candidate, "cand-01").dingtalk_user_id == "cand_01"
    assert db.get(Score, "sc-01").status == "revised"
    assert db.count(Interview, Interview.status == "no_show") == 3
    assert [r.status for r in db.get(Application, "app-03").requirements] == ["missing"]
    kinds = [r.kind for r in db.outbox()]
    assert kinds.count("score.published") == 12 and kinds.count("score.revised") == 1


def _advance_twice_then_conflict(client: EhrClient) -> None:
    """The same key twice is one decision; a decision on a rejected application is a 409."""
    first = client.post_decision(
        "app-01",
        decision="advance",
        actor_staff_id="st-hr-li",
        reason="overall 86 >= 80",
        idempotency_key="card:iv-01:adv",
    )
    again = client.post_decision(
        "app-01",
        decision="advance",
        actor_staff_id="st-hr-li",
        reason="overall 86 >= 80",
        idempotency_key="card:iv-01:adv",
    )
    assert first == again and first["application"]["stage"] == "interview"
    client.post_decision(
        "app-02",
        decision="reject",
        actor_staff_id="st-hr-li",
        reason=None,
        idempotency_key="k-rej",
    )
    with pytest.raises(EhrConflict) as conflict:
        client.post_decision(
            "app-02",
            decision="advance",
            actor_staff_id="st-hr-li",
            reason=None,
            idempotency_key="k-adv",
        )
    assert conflict.value.current_stage == "rejected"


def _extend_deadlines_and_review(client: EhrClient) -> None:
    with pytest.raises(EhrNotFound):
        client.extend_deadline(
            "iv-nope",
            deadline_at=datetime.now(UTC),
            actor_staff_id="st-hr-li",
            idempotency_key="k-x",
        )
    client.extend_deadline(
        "iv-09",
        deadline_at=datetime.now(UTC) + timedelta(days=2),
        actor_staff_id="st-hr-li",
        idempotency_key="k-dl",
    )
    client.review_requirement(
        "app-03",
        "health_cert",
        status="approved",
        actor_staff_id="st-hr-li",
        idempotency_key="k-req",
    )


def test_write_back_idempotency_409_and_reconciliation(
    live_backend: str, runtime: Runtime, db: Db
) -> None:
    with running_demo_ehr(
        api_token="test-ehr-token",
        webhook_secret="test-webhook-secret",
        webhook_url=f"{live_backend}/ehr/events",
    ) as url:
        requests.post(f"{url}/_demo/scenario", timeout=60).raise_for_status()
        client = EhrClient(url, "test-ehr-token", timeout=5)
        _advance_twice_then_conflict(client)
        _extend_deadlines_and_review(client)
        wait_until(lambda: db.get(Application, "app-01").stage == "interview", timeout=15)
        wait_until(
            lambda: db.get(Application, "app-03").requirements[0].status == "approved", timeout=15
        )
        decisions = requests.get(f"{url}/_demo/decisions", timeout=5).json()["decisions"]
        assert len(decisions) == 4  # one per key that changed something
        client.close()
    kinds = [r.kind for r in db.all(OutboxEvent)]
    assert "application.stage_changed" in kinds and "requirement.status_changed" in kinds
    assert "interview.rescheduled" in kinds


def test_dead_letters_listed_and_replayed_and_held_reported(
    app: Flask, post_events: Post, db: Db
) -> None:
    bad = ev.event("candidate", ev.candidate("cand-1"))
    bad["data"]["education"] = "phd"
    orphan = ev.event("score", ev.score("sc-1", interview_id="iv-404"))
    post_events([bad, orphan])
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["ehr", "dead-letters", "list"])
    assert bad["id"] in listed.output and "education" in listed.output
    [letter] = db.all(DeadLetter)
    replay = runner.invoke(args=["ehr", "dead-letters", "replay", str(letter.id)])
    assert "rejected" in replay.output
    with pytest.raises(AssertionError):
        assert runner.invoke(args=["ehr", "dead-letters", "replay"]).exit_code == 0
    # An operator fixes the raw event (e.g. after a vendor mapping fix) and replays it.
    with db.runtime.session_factory() as session:
        row = session.get(DeadLetter, letter.id)
        row.raw = {**bad, "data": {**bad["data"], "education": "doctorate"}}
        session.commit()
    replay = runner.invoke(args=["ehr", "dead-letters", "replay", "--all"])
    assert f"{letter.id}\taccepted" in replay.output
    assert db.get(Candidate, "cand-1").education == "doctorate"
    held = runner.invoke(args=["ehr", "held", "--older-than", "0"])
    assert orphan["id"] in held.output and "interview:iv-404" in held.output
    assert "1 held events" in held.output
    none = runner.invoke(args=["ehr", "held"])
    assert "0 held events older than 3600 s" in none.output


def test_an_entitys_history_is_shown_with_field_pairs(
    app: Flask, post_events: Post, db: Db
) -> None:
    post_events(
        [
            ev.event("candidate", ev.candidate("cand-1", education="master")),
            ev.event("candidate", ev.candidate("cand-1", 2, education="doctorate")),
        ]
    )
    runner = app.test_cli_runner()
    shown = runner.invoke(args=["ehr", "history", "candidate", "cand-1"])
    assert shown.exit_code == 0, shown.output
    created, updated = shown.output.split("\nv2\t")
    # The creation's pairs come from its data; the update's are stored.
    assert created.startswith("v1\tcreated\tpush\t") and '  education: null -> "master"' in created
    assert updated.startswith("updated\tpush\t")
    assert '  education: "master" -> "doctorate"' in updated
    assert "  name:" not in updated and "2 changes of candidate cand-1" in updated
    unknown = runner.invoke(args=["ehr", "history", "nothing", "x"])
    assert unknown.exit_code == 2 and "nothing" in unknown.output
