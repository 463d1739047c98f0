"""A change that matters to people writes one outbox row; replays and stale ones write none."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.ehr import events as ev
from storage.sync_models import OUTBOX_KINDS
from tests.ehr.conftest import Db, Post, org_events


def _parents() -> list[dict[str, Any]]:
    reqs = [{"key": "health_cert", "label": "健康证", "status": "missing"}]
    return [
        *org_events(),
        ev.event("application", ev.application("app-1", requirements=reqs)),
        ev.event("interview", ev.interview("iv-1", status="scheduled", invited_at=None)),
    ]


CASES = [
    (
        "score published",
        [ev.score("sc-1", 1, status="draft"), ev.score("sc-1", 2)],
        ["score.published"],
    ),
    (
        "score revised",
        [ev.score("sc-1", 1), ev.score("sc-1", 2, overall=70, status="revised")],
        ["score.published", "score.revised"],
    ),
    (
        "draft only",
        [ev.score("sc-1", 1, status="draft"), ev.score("sc-1", 2, status="draft", overall=50)],
        [],
    ),
    ("interview invited", [ev.interview("iv-1", 2, status="invited")], ["interview.invited"]),
    ("interview opened", [ev.interview("iv-1", 2, status="opened")], ["interview.opened"]),
    ("interview attended", [ev.interview("iv-1", 2, status="attended")], ["interview.attended"]),
    ("interview no-show", [ev.interview("iv-1", 2, status="no_show")], ["interview.no_show"]),
    ("interview cancelled", [ev.interview("iv-1", 2, status="cancelled")], ["interview.cancelled"]),
    (
        "interview rescheduled",
        [
            ev.interview(
                "iv-1",
                2,
                status="scheduled",
                invited_at=None,
                deadline_at="2026-12-01T09:00:00+08:00",
            )
        ],
        ["interview.rescheduled"],
    ),
    (
        "stage changed",
        [
            ev.application(
                "app-1",
                2,
                stage="interview",
                requirements=[{"key": "health_cert", "label": "健康证", "status": "missing"}],
            )
        ],
        ["application.stage_changed"],
    ),
    (
        "requirement changed",
        [
            ev.application(
                "app-1",
                2,
                requirements=[{"key": "health_cert", "label": "健康证", "status": "submitted"}],
            )
        ],
        ["requirement.status_changed"],
    ),
    (
        "nothing that matters",
        [
            ev.application(
                "app-1",
                2,
                batch="other",
                requirements=[{"key": "health_cert", "label": "健康证", "status": "missing"}],
            )
        ],
        [],
    ),
]


@pytest.mark.parametrize(("case", "datas", "kinds"), CASES, ids=[c[0] for c in CASES])
def test_each_change_writes_one_outbox_row(
    post_events: Post, db: Db, case: str, datas: list[dict[str, Any]], kinds: list[str]
) -> None:
    post_events(_parents())
    before = len(db.outbox())
    kind_of = {"sc": "score", "iv": "interview", "ap": "application"}
    events = [ev.event(kind_of[d["id"][:2]], d) for d in datas]
    for e in events:
        assert post_events([e]).status_code == 200
    rows = db.outbox()[before:]
    assert [r.kind for r in rows] == kinds
    assert all(r.kind in OUTBOX_KINDS for r in rows)
    # Replays (duplicates) and stale versions write nothing.
    post_events(events)
    stale = [
        ev.event(e["type"].split(".")[0], {**e["data"]}, event_id=e["id"] + "-again")
        for e in events
    ]
    assert post_events(stale).json["accepted"] == [s["id"] for s in stale]
    assert [r.kind for r in db.outbox()[before:]] == kinds


def test_outbox_payload_carries_ids_and_before_after(post_events: Post, db: Db) -> None:
    post_events(_parents())
    post_events([ev.event("score", ev.score("sc-1", 1, status="draft"))])
    published = ev.event("score", ev.score("sc-1", 2, overall=86))
    post_events([published])
    [row] = [r for r in db.outbox() if r.kind == "score.published"]
    assert row.dedupe_key == "score.published:sc-1:v2"
    assert row.state == "pending" and row.entity_version == 2
    p = row.payload
    assert (
        p["score_id"],
        p["interview_id"],
        p["application_id"],
        p["candidate_id"],
        p["position_id"],
    ) == ("sc-1", "iv-1", "app-1", "cand-1", "pos-1")
    assert p["event_id"] == published["id"] and p["source"] == "push"
    assert p["before"]["status"] == "draft" and p["after"]["status"] == "published"
    assert p["after"]["overall"] == 86


def test_outbox_ids_of_entities_written_in_the_same_batch(post_events: Post, db: Db) -> None:
    # The application and interview arrive with the score: their links come from the batch
    # itself, and must be what a later read of the cache would give.
    post_events([*_parents(), ev.event("score", ev.score("sc-1"))])
    [row] = [r for r in db.outbox() if r.kind == "score.published"]
    ids = ("score_id", "interview_id", "application_id", "candidate_id", "position_id")
    assert tuple(row.payload[k] for k in ids) == ("sc-1", "iv-1", "app-1", "cand-1", "pos-1")
    [requirement] = [r for r in db.outbox() if r.kind == "requirement.status_changed"]
    assert (requirement.payload["candidate_id"], requirement.payload["position_id"]) == (
        "cand-1",
        "pos-1",
    )


def test_history_answers_what_the_report_said_then(post_events: Post, db: Db) -> None:
    post_events(_parents())
    first = ev.event("score", ev.score("sc-1", 1, overall=80))
    second = ev.event("score", ev.score("sc-1", 2, overall=72, status="revised"))
    post_events([first])
    post_events([second])
    history = db.history("score", "sc-1")
    assert [(h.version, h.event_id, h.operation) for h in history] == [
        (1, first["id"], "created"),
        (2, second["id"], "updated"),
    ]
    assert history[0].data["overall"] == 80
    assert history[1].changes["overall"] == {"before": 80.0, "after": 72.0}
    assert history[1].changes["status"] == {"before": "published", "after": "revised"}
    assert history[1].received_at >= history[0].received_at
    assert all(h.source == "push" for h in history)


def test_a_new_application_with_a_missing_requirement_asks_for_it(
    post_events: Any, db: Any
) -> None:
    requirements = [
        {"key": "health", "label": "健康证", "status": "missing"},
        {"key": "id_card", "label": "身份证", "status": "approved"},
    ]
    post_events(
        [
            ev.event("candidate", ev.candidate("cand-1")),
            ev.event("department", ev.department("d-1")),
            ev.event("position", ev.position("pos-1")),
            ev.event("application", ev.application("app-1", requirements=requirements)),
        ]
    )
    rows = [o for o in db.outbox() if o.kind == "requirement.status_changed"]
    assert [(o.payload["requirement_key"], o.payload["after"]) for o in rows] == [
        ("health", {"status": "missing"})
    ]
