"""POST /ehr/events: signature, limits, per-event judgement, dedupe, versions, tombstones."""

from __future__ import annotations

import json
import time

import pytest

from sandbox.ehr import events as ev
from storage.models import Application, Candidate, Interview, Score
from storage.sync_models import ChangeHistory, DeadLetter, EhrEvent
from tests.ehr.conftest import Db, Post, org_events


def _signed(body: bytes, secret: str, ts: int) -> dict[str, str]:
    return ev.sign(body, secret, ts)


BODY = ev.batch_body([ev.event("department", ev.department("d-9"))])


SECRET = "test-webhook-secret"


def _headers(case: str) -> dict[str, str]:
    """Headers for each bad case, built when the test runs (the window is about now)."""
    now = int(time.time())
    return {
        "missing": {"Content-Type": "application/json"},
        "missing signature": {"X-EHR-Timestamp": str(now)},
        "wrong secret": _signed(BODY, "not-the-secret", now),
        "body changed": _signed(BODY.replace(b"d-9", b"d-8"), SECRET, now),
        "too old": _signed(BODY, SECRET, now - 301),
        "too new": _signed(BODY, SECRET, now + 301),
        "not a number": {**_signed(BODY, SECRET, now), "X-EHR-Timestamp": "abc"},
        "wrong scheme": {**_signed(BODY, SECRET, now), "X-EHR-Signature": "sha256=00"},
    }[case]


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "missing signature",
        "wrong secret",
        "body changed",
        "too old",
        "too new",
        "not a number",
        "wrong scheme",
    ],
)
def test_bad_signatures_are_refused_and_nothing_is_stored(
    post_events: Post, db: Db, case: str
) -> None:
    response = post_events(body=BODY, headers=_headers(case))
    assert response.status_code == 401, case
    assert set(response.json["error"]) == {"code", "message"}
    assert db.count(EhrEvent) == 0 and db.count(DeadLetter) == 0


def test_timestamp_just_inside_the_window_is_accepted(post_events: Post, db: Db) -> None:
    response = post_events(body=BODY, timestamp=int(time.time()) - 290)
    assert response.status_code == 200
    assert response.json["accepted"] == [json.loads(BODY)["events"][0]["id"]]


def test_body_over_one_mebibyte_is_413(post_events: Post, db: Db) -> None:
    big = ev.event("candidate", ev.candidate("cand-big", resume_url="x" * 1500))
    body = ev.batch_body([big] * 1000)
    assert len(body) > 1024 * 1024
    response = post_events(body=body)
    assert response.status_code == 413
    assert "error" in response.json
    assert db.count(EhrEvent) == 0


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"events": {}}',
        b'{"nope": []}',
        b'{"events": []}',
        ev.batch_body([ev.event("department", ev.department(f"d-{i}")) for i in range(501)]),
    ],
)
def test_malformed_batches_are_400(post_events: Post, db: Db, body: bytes) -> None:
    response = post_events(body=body)
    assert response.status_code == 400
    assert set(response.json["error"]) == {"code", "message"}
    assert db.count(EhrEvent) == 0 and db.count(DeadLetter) == 0


def test_a_valid_batch_is_applied_and_durable_before_200(post_events: Post, db: Db) -> None:
    events = [*org_events(), ev.event("application", ev.application("app-1"))]
    response = post_events(events)
    assert response.status_code == 200
    assert response.json == {
        "accepted": [e["id"] for e in events],
        "duplicates": [],
        "rejected": [],
    }
    app = db.get(Application, "app-1")
    assert app.stage == "ai_interview" and app.version == 1 and not app.deleted
    assert db.count(EhrEvent, EhrEvent.state == "applied") == 5
    [created] = db.history("application", "app-1")
    assert created.operation == "created" and created.source == "push"
    # A creation stores its values once, in `data`; its field changes are read from there.
    assert created.changes == {} and created.data["stage"] == "ai_interview"
    assert created.field_changes()["stage"] == {"before": None, "after": "ai_interview"}
    assert "id" not in created.field_changes() and "version" not in created.field_changes()


def test_redelivered_events_are_duplicates_and_change_nothing(post_events: Post, db: Db) -> None:
    events = org_events()
    assert post_events(events).json["accepted"] == [e["id"] for e in events]
    again = post_events([events[0], events[0], events[1]])
    assert again.status_code == 200
    assert again.json == {
        "accepted": [],
        "rejected": [],
        "duplicates": [events[0]["id"], events[0]["id"], events[1]["id"]],
    }
    assert db.count(ChangeHistory) == 4


def test_stale_versions_are_recorded_not_applied(post_events: Post, db: Db) -> None:
    post_events([*org_events(), ev.event("candidate", ev.candidate("cand-1", 3, name="new"))])
    stale = ev.event("candidate", ev.candidate("cand-1", 2, name="older"))
    same = ev.event("candidate", ev.candidate("cand-1", 3, name="same version"))
    response = post_events([stale, same])
    assert response.json["accepted"] == [stale["id"], same["id"]]
    cached = db.get(Candidate, "cand-1")
    assert (cached.version, cached.name) == (3, "new")
    assert db.event(stale["id"]).state == "stale"
    assert db.event(same["id"]).state == "stale"
    ops = [(h.version, h.operation) for h in db.history("candidate", "cand-1")]
    assert ops == [(1, "created"), (3, "updated"), (2, "stale"), (3, "stale")]


def test_versions_in_one_batch_apply_in_order_whatever_the_order(post_events: Post, db: Db) -> None:
    v2 = ev.event("candidate", ev.candidate("cand-1", 2, education="master"))
    v3 = ev.event("candidate", ev.candidate("cand-1", 3, education="doctorate"))
    post_events([v3, *org_events()[:3], v2, ev.event("candidate", ev.candidate("cand-1", 1))])
    assert db.get(Candidate, "cand-1").education == "doctorate"
    history = db.history("candidate", "cand-1")
    assert [h.version for h in history] == [1, 2, 3]
    assert history[2].changes["education"] == {"before": "master", "after": "doctorate"}


def test_one_invalid_event_is_dead_lettered_and_the_rest_apply(post_events: Post, db: Db) -> None:
    bad_score = ev.event("score", ev.score("sc-1", overall=140))
    no_id = {"type": "candidate.upserted", "data": {}}
    unknown = ev.event("department", ev.department("d-5"))
    unknown["type"] = "planet.upserted"
    events = [*org_events(), bad_score, no_id, unknown]
    response = post_events(events)
    assert response.status_code == 200
    assert response.json["accepted"] == [e["id"] for e in events[:4]]
    rejected = response.json["rejected"]
    assert [r["id"] for r in rejected] == [bad_score["id"], None, unknown["id"]]
    assert "overall" in rejected[0]["error"] and "planet" in rejected[2]["error"]
    letters = db.dead_letters()
    assert [d.raw for d in letters] == [bad_score, no_id, unknown]
    assert all(d.reason and d.source == "push" for d in letters)
    assert db.get(Candidate, "cand-1") is not None


def test_unknown_data_fields_are_kept(post_events: Post, db: Db) -> None:
    cand = ev.event("candidate", ev.candidate("cand-1", vendor_score_band="A", wechat="x"))
    post_events([cand])
    cached = db.get(Candidate, "cand-1")
    assert cached.extra == {"vendor_score_band": "A", "wechat": "x"}
    assert db.history("candidate", "cand-1")[0].data["vendor_score_band"] == "A"


def test_children_before_parents_are_held_then_applied(post_events: Post, db: Db) -> None:
    score = ev.event("score", ev.score("sc-1", interview_id="iv-1"))
    interview = ev.event("interview", ev.interview("iv-1", application_id="app-1"))
    application = ev.event("application", ev.application("app-1"))
    post_events([score])
    assert db.event(score["id"]).state == "held"
    assert (db.event(score["id"]).waiting_for_kind, db.event(score["id"]).waiting_for_id) == (
        "interview",
        "iv-1",
    )
    post_events([interview, application])
    assert db.event(interview["id"]).waiting_for_kind == "application"
    assert db.event(application["id"]).waiting_for_kind == "candidate"
    assert db.get(Score, "sc-1") is None and db.get(Interview, "iv-1") is None
    post_events(org_events())
    for e in (score, interview, application):
        assert db.event(e["id"]).state == "applied"
    assert db.get(Score, "sc-1").overall == 80
    assert db.get(Interview, "iv-1").application_id == "app-1"
    assert [h.event_id for h in db.history("score", "sc-1")] == [score["id"]]


def test_tombstones_hide_but_keep_the_row(post_events: Post, db: Db) -> None:
    post_events([*org_events(), ev.event("application", ev.application("app-1"))])
    gone = ev.deleted("application", "app-1", 2)
    assert post_events([gone]).json["accepted"] == [gone["id"]]
    app = db.get(Application, "app-1")
    assert app.deleted and app.version == 2 and app.stage == "ai_interview"
    last = db.history("application", "app-1")[-1]
    assert (last.operation, last.changes) == (
        "deleted",
        {"deleted": {"before": False, "after": True}},
    )
    older = ev.event("application", ev.application("app-1", 1, stage="offer"))
    post_events([older])
    assert db.get(Application, "app-1").deleted
    revived = ev.event("application", ev.application("app-1", 3, stage="offer"))
    post_events([revived])
    app = db.get(Application, "app-1")
    assert not app.deleted and app.stage == "offer"


def test_a_delete_before_the_entity_is_held_until_it_arrives(post_events: Post, db: Db) -> None:
    gone = ev.deleted("candidate", "cand-7", 5)
    post_events([gone])
    assert db.event(gone["id"]).state == "held"
    post_events([ev.event("candidate", ev.candidate("cand-7", 2))])
    assert db.get(Candidate, "cand-7").deleted
    assert db.event(gone["id"]).state == "applied"
    assert [h.operation for h in db.history("candidate", "cand-7")] == ["created", "deleted"]


def test_collections_are_replaced_on_update(post_events: Post, db: Db) -> None:
    reqs = [
        {"key": "health_cert", "label": "健康证", "status": "missing"},
        {"key": "id_card", "label": "身份证", "status": "approved"},
    ]
    post_events(
        [*org_events(), ev.event("application", ev.application("app-1", requirements=reqs))]
    )
    reqs2 = [{"key": "health_cert", "label": "健康证", "status": "submitted"}]
    post_events([ev.event("application", ev.application("app-1", 2, requirements=reqs2))])
    app = db.get(Application, "app-1")
    assert [(r.key, r.status) for r in app.requirements] == [("health_cert", "submitted")]
    change = db.history("application", "app-1")[-1].changes["requirements"]
    assert change["before"][0]["status"] == "missing" and len(change["after"]) == 1
