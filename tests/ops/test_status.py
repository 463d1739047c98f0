"""`ops status` and the admin ops API on a seeded database: every kind of problem, the actions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rq import SimpleWorker
from sqlalchemy import update

from jobs.queues import DEFAULT_QUEUE, queue
from sandbox.ehr import events as ev
from services.ehr.pull import FEED_CURSOR
from storage import redis_keys
from storage.action_models import Delivery
from storage.ehr_log import save_cursor
from storage.runtime import Runtime
from storage.sync_models import DeadLetter, OutboxEvent, SyncCursor
from storage.vocabulary import OUTBOX_SCORE_PUBLISHED
from tests import factories as f

MOBILE = "13912345678"
STATUS = "/api/v1/admin/ops/status"


@dataclass
class Seeded:
    tokens: dict[str, str]
    letter_id: int
    bad_event: dict[str, Any]
    orphan_id: str
    delivery_id: int
    job_id: str
    outbox_id: int


def _post_events(client: FlaskClient, runtime: Runtime, events: list[dict[str, Any]]) -> None:
    raw = ev.batch_body(events)
    headers = ev.sign(raw, runtime.settings.require("EHR_WEBHOOK_SECRET"))
    response = client.post("/ehr/events", data=raw, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)


def _fail_a_job(runtime: Runtime) -> str:
    """A real job that really fails in a real RQ worker (bad JSON for json.loads)."""
    q = queue(DEFAULT_QUEUE, runtime.redis)
    job = q.enqueue(json.loads, "{not json")
    SimpleWorker([q], connection=runtime.redis).work(burst=True, with_scheduler=False)
    return str(job.id)


def _seed_rows(runtime: Runtime, old: datetime) -> tuple[dict[str, str], int, int]:
    with runtime.session_factory() as s:
        admin = f.staff(s, "st-admin", "admin", uid="u-admin")
        hr = f.staff(s, "st-hr", "hr_specialist", uid="u-hr")
        cand = f.candidate(s, "cand-9", mobile=MOBILE)
        delivery = Delivery(
            purpose="score_card",
            recipient_kind="candidate",
            recipient_id="cand-9",
            channel="card",
            out_track_id="ot-1",
            dedupe_key="dk-1",
            state="undeliverable",
            last_error="no DingTalk user for this person (id or mobile)",
            attempts=1,
        )
        outbox = OutboxEvent(
            kind=OUTBOX_SCORE_PUBLISHED,
            entity_kind="score",
            entity_id="sc-old",
            dedupe_key="old-outbox",
            payload={},
            created_at=old,
        )
        s.add_all([delivery, outbox])
        save_cursor(s, FEED_CURSOR, "c-5", status="ok")
        s.flush()
        s.execute(update(SyncCursor).values(updated_at=old))
        s.commit()
        tokens = {
            "admin": f.token_for(staff_row=admin),
            "hr": f.token_for(staff_row=hr),
            "candidate": f.token_for(candidate_row=cand),
        }
        return tokens, delivery.id, outbox.id


@pytest.fixture
def seeded(app: Flask, runtime: Runtime) -> Seeded:
    """A dead letter, a held event, an undeliverable card, a failed job, an old outbox row and
    an old cursor: each made the way production makes it where that is cheap."""
    old = datetime.now(UTC) - timedelta(days=2)
    tokens, delivery_id, outbox_id = _seed_rows(runtime, old)
    bad = ev.event("candidate", ev.candidate("cand-1"))
    bad["data"]["education"] = "phd"
    orphan = ev.event("score", ev.score("sc-1", interview_id="iv-404"))
    _post_events(app.test_client(), runtime, [bad, orphan])
    with runtime.session_factory() as s:
        [letter] = s.query(DeadLetter).all()
        letter_id = letter.id
    job_id = _fail_a_job(runtime)
    return Seeded(tokens, letter_id, bad, orphan["id"], delivery_id, job_id, outbox_id)


def _status(app: Flask) -> dict[str, Any]:
    result = app.test_cli_runner().invoke(args=["ops", "status", "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


def test_ops_status_lists_each_kind_of_problem(app: Flask, seeded: Seeded) -> None:
    result = app.test_cli_runner().invoke(args=["ops", "status"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "! queue default: 1 failed jobs (requeue)" in out
    assert f"failed job {seeded.job_id}\tjson.loads\tjson.decoder.JSONDecodeError" in out
    assert "! 1 dead letters (replay)" in out
    assert f"  {seeded.letter_id}\t{seeded.bad_event['id']}\tpush\t" in out
    assert "! 1 held events (retry)" in out
    assert f"  {seeded.orphan_id}\tscore:sc-1\twaiting for interview:iv-404" in out
    assert "! 1 undeliverable notifications" in out
    assert f"delivery {seeded.delivery_id}\tundeliverable\tscore_card\tto candidate cand-9" in out
    assert "! the pull's cursor is 172" in out  # two days, in seconds
    assert "! outbox: 1 waiting, oldest 172" in out
    assert f"oldest {seeded.outbox_id}, 172" in out
    assert "dingtalk token: not cached" in out
    assert MOBILE not in out


def test_a_healthy_system_needs_no_attention_and_the_token_state_shows(
    app: Flask, runtime: Runtime
) -> None:
    with runtime.session_factory() as s:
        save_cursor(s, FEED_CURSOR, "c-1", status="ok")
        s.commit()
    key = redis_keys.dingtalk_token(runtime.settings.require("DINGTALK_APP_KEY"))
    runtime.redis.set(key, "tok", ex=3000)
    data = _status(app)
    assert data["attention"] == []
    assert data["token"]["cached"] is True and 2990 <= data["token"]["expires_in_seconds"] <= 3000
    assert [q["name"] for q in data["queues"]] == ["notify", "sync", "default"]


def test_requeue_puts_the_failed_job_back_on_its_queue(app: Flask, seeded: Seeded) -> None:
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["ops", "requeue", "default", "no-such-job"])
    assert unknown.exit_code == 1 and "no failed job no-such-job" in unknown.output
    done = runner.invoke(args=["ops", "requeue", "default", seeded.job_id])
    assert done.exit_code == 0 and f"requeued {seeded.job_id}" in done.output
    [default] = [q for q in _status(app)["queues"] if q["name"] == "default"]
    assert (default["depth"], default["failed"]) == (1, 0)


def test_replay_and_retry_clear_dead_letters_and_held_events(
    app: Flask, runtime: Runtime, seeded: Seeded
) -> None:
    runner = app.test_cli_runner()
    rejected = runner.invoke(args=["ops", "replay", str(seeded.letter_id)])
    assert f"{seeded.letter_id}\trejected" in rejected.output
    assert _status(app)["dead_letters_total"] == 1  # still listed: it failed again
    with runtime.session_factory() as s:  # the operator fixes the raw event, then replays
        letter = s.get(DeadLetter, seeded.letter_id)
        assert letter is not None
        letter.raw = {
            **seeded.bad_event,
            "data": {**seeded.bad_event["data"], "education": "doctorate"},
        }
        # The parent the held score waits for reaches the cache by another way.
        f.department(s, "d-1")
        f.position(s, "pos-1", "d-1")
        f.candidate(s, "cand-2")
        f.application(s, "app-1", "cand-2", "pos-1")
        f.interview(s, "iv-404", "app-1", status="attended")
        s.commit()
    accepted = runner.invoke(args=["ops", "replay", "--all"])
    assert f"{seeded.letter_id}\taccepted" in accepted.output
    retried = runner.invoke(args=["ops", "retry-held"])
    assert "released=1 applied=1 still held=0" in retried.output, retried.output
    data = _status(app)
    assert (data["dead_letters_total"], data["held_total"]) == (0, 0)


def test_the_api_answers_as_the_command_for_an_admin(
    app: Flask, client: FlaskClient, seeded: Seeded
) -> None:
    response = client.get(STATUS, headers=f.bearer(seeded.tokens["admin"]))
    assert response.status_code == 200, response.get_data(as_text=True)
    api = response.get_json()
    cli = _status(app)
    for key in ("attention", "dead_letters_total", "held_total", "undeliverable_total"):
        assert api[key] == cli[key]
    assert api["undeliverable"][0]["recipient_id"] == "cand-9"
    assert MOBILE not in response.get_data(as_text=True)
    requeue = client.post(
        "/api/v1/admin/ops/queues/default/requeue",
        json={"job_ids": [seeded.job_id]},
        headers=f.bearer(seeded.tokens["admin"]),
    )
    assert requeue.get_json() == {"queue": "default", "requeued": [seeded.job_id]}
    replay = client.post(
        "/api/v1/admin/ops/dead-letters/replay",
        json={"ids": [seeded.letter_id]},
        headers=f.bearer(seeded.tokens["admin"]),
    )
    assert replay.get_json()["items"][0]["result"].startswith("rejected")
    held = client.post("/api/v1/admin/ops/held/retry", headers=f.bearer(seeded.tokens["admin"]))
    assert held.get_json() == {"released": 0, "applied": 0, "still_held": 1}


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [
        ("POST", "/api/v1/admin/ops/queues/nowhere/requeue", {"all": True}, 404),
        ("POST", "/api/v1/admin/ops/queues/default/requeue", {"job_ids": ["nope"]}, 404),
        ("POST", "/api/v1/admin/ops/dead-letters/replay", {"ids": [987654]}, 404),
        ("POST", "/api/v1/admin/ops/dead-letters/replay", {"ids": [1], "all": True}, 400),
        ("POST", "/api/v1/admin/ops/dead-letters/replay", {}, 400),
    ],
)
def test_the_api_refuses_what_does_not_exist_or_is_ambiguous(
    client: FlaskClient,
    seeded: Seeded,
    method: str,
    path: str,
    body: dict[str, Any],
    expected: int,
) -> None:
    response = client.open(path, method=method, json=body, headers=f.bearer(seeded.tokens["admin"]))
    assert response.status_code == expected
    assert set(response.get_json()["error"]) == {"code", "message"}


@pytest.mark.parametrize("who", ["hr", "candidate", None])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", STATUS),
        ("POST", "/api/v1/admin/ops/held/retry"),
        ("POST", "/api/v1/admin/ops/queues/default/requeue"),
        ("POST", "/api/v1/admin/ops/dead-letters/replay"),
    ],
)
def test_the_api_refuses_everyone_but_an_admin(
    client: FlaskClient, seeded: Seeded, who: str | None, method: str, path: str
) -> None:
    headers = f.bearer(seeded.tokens[who]) if who else {}
    body = {"all": True} if method == "POST" and "retry" not in path else None
    response = client.open(path, method=method, json=body, headers=headers)
    assert response.status_code == (401 if who is None else 403)
    assert response.get_json()["error"]["code"] in ("admin_only", "unauthenticated")
    # Nothing was done: the failed job is still failed, the held event still held.
    assert _status_totals(client, seeded) == (1, 1)


def _status_totals(client: FlaskClient, seeded: Seeded) -> tuple[int, int]:
    data = client.get(STATUS, headers=f.bearer(seeded.tokens["admin"])).get_json()
    [default] = [q for q in data["queues"] if q["name"] == "default"]
    return default["failed"], data["held_total"]
