"""A published score reaches the candidate and the HR owners as cards, exactly once."""

from __future__ import annotations

import json

from sandbox.ehr import events as ev
from storage.runtime import Runtime
from tests.notify.conftest import (
    Push,
    Sim,
    application_events,
    deliveries,
    drain,
    org_events,
)

HR_OWNERS = ("hr_lina", "hr_wangqiang")  # pos-store-night's owners in sandbox/demo_org.json


def _seed(push: Push, *, candidate_user: str | None = "cand_01", mobile: str | None = None) -> None:
    push(org_events())
    push(
        application_events(
            1, candidate_id="cand-01", dingtalk_user_id=candidate_user, mobile=mobile
        )
    )


def _only_card(sim: Sim, userid: str) -> dict[str, object]:
    cards = sim.cards(userid)
    assert len(cards) == 1, cards
    return cards[0]


def test_published_score_puts_cards_in_candidate_and_hr_chats(
    push: Push, sim: Sim, notify_runtime: Runtime
) -> None:
    _seed(push)
    push([ev.event("score", ev.score("sc-1", interview_id="iv-1", overall=86))])
    drain(notify_runtime.redis)

    candidate_card = _only_card(sim, "cand_01")
    assert candidate_card["template_id"] == "mi-score-candidate-v1.schema"
    data = candidate_card["public"]
    assert data["overall"] == "86"
    assert [d["name"] for d in json.loads(data["dimensions"])] == [
        "沟通表达",
        "服务意识",
        "夜班适应度",
    ]
    assert data["comments"] == ""  # comments are off in the default visibility policy
    assert all(isinstance(value, str) for value in data.values())
    for userid in HR_OWNERS:
        hr_card = _only_card(sim, userid)
        assert hr_card["template_id"] == "mi-score-hr-v1.schema"
        assert hr_card["public"]["suggestion"] == "建议推进"
        assert hr_card["public"]["strongest"].startswith("沟通表达")
    assert sim.cards("hr_sunli") == []  # owns the other position
    sent = deliveries(notify_runtime.engine)
    assert {(d.recipient_id, d.state, d.channel) for d in sent} == {
        ("cand-01", "sent", "card"),
        ("st-hr-li", "sent", "card"),
        ("st-hr-wang", "sent", "card"),
    }
    assert all(d.application_id == "app-1" for d in sent)
    assert sim.get("/_sim/stats")["throttled"] == {}  # our limiter stayed under the QPS


def test_a_draft_score_sends_nothing(push: Push, sim: Sim, notify_runtime: Runtime) -> None:
    _seed(push)
    push([ev.event("score", ev.score("sc-1", interview_id="iv-1", status="draft"))])
    drain(notify_runtime.redis)
    assert sim.cards("cand_01") == []
    assert deliveries(notify_runtime.engine) == []


def test_a_revision_updates_the_cards_instead_of_sending_new_ones(
    push: Push, sim: Sim, notify_runtime: Runtime
) -> None:
    _seed(push)
    push([ev.event("score", ev.score("sc-1", interview_id="iv-1", overall=70))])
    drain(notify_runtime.redis)
    push(
        [ev.event("score", ev.score("sc-1", 2, interview_id="iv-1", overall=82, status="revised"))]
    )
    drain(notify_runtime.redis)

    for userid in ("cand_01", *HR_OWNERS):
        card = _only_card(sim, userid)
        assert card["public"]["overall"] == "82"
        assert len(card["history"]) >= 2  # created, then updated in place
    operations = sorted((d.recipient_id, d.operation) for d in deliveries(notify_runtime.engine))
    assert operations == sorted(
        [(r, op) for r in ("cand-01", "st-hr-li", "st-hr-wang") for op in ("create", "update")]
    )


def test_a_duplicate_event_adds_nothing(push: Push, sim: Sim, notify_runtime: Runtime) -> None:
    _seed(push)
    score_event = ev.event("score", ev.score("sc-1", interview_id="iv-1"))
    push([score_event])
    drain(notify_runtime.redis)
    answer = push([score_event])
    drain(notify_runtime.redis)
    assert answer["duplicates"] == [score_event["id"]]
    assert len(sim.cards("cand_01")) == 1
    assert len(deliveries(notify_runtime.engine)) == 3


def test_running_the_job_twice_shows_one_card(
    push: Push, sim: Sim, notify_runtime: Runtime
) -> None:
    from jobs.notify import deliver_outbox_event
    from storage.sync_models import OutboxEvent

    _seed(push)
    push([ev.event("score", ev.score("sc-1", interview_id="iv-1"))])
    drain(notify_runtime.redis)
    with notify_runtime.session_factory() as session:
        outbox_ids = [o.id for o in session.query(OutboxEvent).filter_by(kind="score.published")]
    for outbox_id in outbox_ids:
        deliver_outbox_event(outbox_id)
    assert len(sim.cards("cand_01")) == 1
    assert len(deliveries(notify_runtime.engine)) == 3


def test_candidate_without_dingtalk_id_is_found_by_mobile_and_remembered(
    push: Push, sim: Sim, notify_runtime: Runtime
) -> None:
    from storage.models import Candidate

    _seed(push, candidate_user=None, mobile="13800130001")  # cand_01's mobile in the demo org
    push([ev.event("score", ev.score("sc-1", interview_id="iv-1"))])
    drain(notify_runtime.redis)
    assert len(sim.cards("cand_01")) == 1
    with notify_runtime.session_factory() as session:
        assert session.get(Candidate, "cand-01").linked_dingtalk_user_id == "cand_01"


def test_unresolvable_candidate_is_recorded_as_undeliverable(
    push: Push, sim: Sim, notify_runtime: Runtime
) -> None:
    _seed(push, candidate_user=None, mobile="13800130020")  # cand-20 is not in DingTalk
    push([ev.event("score", ev.score("sc-1", interview_id="iv-1"))])
    drain(notify_runtime.redis)
    states = {d.recipient_id: (d.state, d.last_error) for d in deliveries(notify_runtime.engine)}
    assert states["cand-01"][0] == "undeliverable"
    assert "DingTalk user" in (states["cand-01"][1] or "")
    assert states["st-hr-li"][0] == "sent"


def test_an_expired_token_mid_run_is_refreshed(
    push: Push, sim: Sim, notify_runtime: Runtime
) -> None:
    _seed(push)
    push([ev.event("score", ev.score("sc-1", interview_id="iv-1"))])
    drain(notify_runtime.redis)
    sim.post("/_sim/tokens/expire")
    push(application_events(2, candidate_id="cand-02", dingtalk_user_id="cand_02"))
    push([ev.event("score", ev.score("sc-2", interview_id="iv-2"))])
    drain(notify_runtime.redis)
    assert len(sim.cards("cand_02")) == 1
    assert all(d.state == "sent" for d in deliveries(notify_runtime.engine))


def test_work_notice_channel_and_its_silent_duplicate_limit(
    push: Push, sim: Sim, notify_runtime: Runtime
) -> None:
    from services.notify.policy import policy_from_settings
    from tests.notify.conftest import install_worker_context

    settings = notify_runtime.settings.model_copy(update={"NOTIFY_CHANNEL": "work_notice"})
    notify_runtime.settings = settings
    install_worker_context(notify_runtime)
    assert policy_from_settings(settings).channel == "work_notice"
    _seed(push)
    push([ev.event("score", ev.score("sc-1", interview_id="iv-1"))])
    drain(notify_runtime.redis)
    notices = [m for m in sim.messages("cand_01") if m["kind"] == "work_notification"]
    assert len(notices) == 1
    assert sim.cards("cand_01") == []
    by_recipient = {d.recipient_id: d for d in deliveries(notify_runtime.engine)}
    assert by_recipient["cand-01"].channel == "work_notice"
    assert by_recipient["cand-01"].external_id
