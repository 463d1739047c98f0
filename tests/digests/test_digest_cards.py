"""HR score digests end to end: the webhook, the outbox job, the digest pushes through the real
SDK into the sandbox, and "Advance the N suggested" with its write-backs to the demo EHR."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from sqlalchemy import select

from jobs.digests import push_due_digests
from sandbox.ehr import events as ev
from services.access.visibility import STAFF, Viewer
from services.card_actions.handle import handle_card_action
from services.chat.commands import BotPolicy, answer_message
from services.clock.quiet_hours import working_hours_from_settings
from services.decisions.decide import record_decision
from services.digests.preferences import score_notify_modes
from services.digests.window import digest_window
from services.notify.policy import policy_from_settings
from storage.attention_models import ScoreDigest
from storage.runtime import Runtime
from storage.sync_models import OutboxEvent
from storage.vocabulary import OUTBOX_SCORE_PUBLISHED
from tests.digests.conftest import cards_of, drain
from tests.notify.conftest import Push, Sim, application_events, org_events

DIGEST_TEMPLATE = "mi-score-digest-hr-v1.schema"
HR_OWNERS = ("hr_lina", "hr_wangqiang")  # pos-store-night's owners in sandbox/demo_org.json
LATER = timedelta(seconds=61)  # past the digest's push interval


def _seed(push: Push, n: int, *, first: int = 1, ehr: str | None = None) -> None:
    """Org, candidates, applications and attended AI interviews; also in the demo EHR when it
    must answer write-backs for them."""
    push(org_events())
    events: list[dict[str, Any]] = []
    for i in range(first, first + n):
        events += application_events(i, candidate_id=f"cand-{i:03d}", dingtalk_user_id="cand_01")
    for start in range(0, len(events), 498):
        push(events[start : start + 498])
    if ehr is not None:
        body = {"events": org_events() + events, "push": False}
        requests.post(f"{ehr}/_demo/events", json=body, timeout=30).raise_for_status()


def _scores(push: Push, overalls: dict[int, float], version: int = 1) -> None:
    events = [
        ev.event("score", ev.score(f"sc-{i}", version, interview_id=f"iv-{i}", overall=o))
        for i, o in overalls.items()
    ]
    for start in range(0, len(events), 500):
        push(events[start : start + 500])


def _windows(rt: Runtime) -> set[datetime]:
    """The digest windows the published scores landed in (normally one)."""
    hours = working_hours_from_settings(rt.settings)
    with rt.session_factory() as s:
        landed = s.scalars(
            select(OutboxEvent.created_at).where(OutboxEvent.kind == OUTBOX_SCORE_PUBLISHED)
        ).all()
    minutes = rt.settings.HR_DIGEST_WINDOW_MINUTES
    return {digest_window(at, hours, minutes)[0] for at in landed}


def test_500_scores_give_each_hr_one_digest_card_per_window(
    push: Push, sim: Sim, digest_runtime: Runtime
) -> None:
    _seed(push, 500)
    _scores(push, {i: 60 + (i % 40) for i in range(1, 501)})
    drain(digest_runtime.redis)
    push_due_digests(datetime.now(UTC) + LATER)  # the update held back by the push interval

    windows = _windows(digest_runtime)
    for userid in HR_OWNERS:
        digests = cards_of(sim, userid, DIGEST_TEMPLATE)
        assert len(digests) == len(windows)  # one card per window, updated in place
        assert sum(int(c["public"]["landed"]) for c in digests) == 500
        assert all(c["version"] >= 2 for c in digests) or len(digests) > 1  # created, then updated
        assert cards_of(sim, userid, "mi-score-hr-v1.schema") == []  # no card per candidate
    # The candidates still get their own cards, one per score.
    assert len(cards_of(sim, "cand_01", "mi-score-candidate-v1.schema")) == 500
    top = cards_of(sim, "hr_lina", DIGEST_TEMPLATE)[0]["public"]
    assert top["top"].startswith("1. 候选人")
    assert int(top["suggest_advance"]) == sum(1 for i in range(1, 501) if 60 + (i % 40) >= 80)


def test_nothing_is_sent_for_a_window_without_scores(
    push: Push, sim: Sim, digest_runtime: Runtime
) -> None:
    _seed(push, 2)
    drain(digest_runtime.redis)
    assert push_due_digests(datetime.now(UTC) + timedelta(hours=2)) == 0
    assert cards_of(sim, "hr_lina", DIGEST_TEMPLATE) == []
    with digest_runtime.session_factory() as s:
        assert s.scalars(select(ScoreDigest)).all() == []


def test_a_revised_score_updates_the_open_digest(
    push: Push, sim: Sim, digest_runtime: Runtime
) -> None:
    _seed(push, 2)
    _scores(push, {1: 70, 2: 85})
    drain(digest_runtime.redis)
    first = datetime.now(UTC) + LATER
    push_due_digests(first)  # the second score waited for the push interval
    [card] = cards_of(sim, "hr_lina", DIGEST_TEMPLATE)
    assert card["public"]["landed"] == "2" and card["public"]["revised"] == "0"
    assert card["public"]["suggest_advance"] == "1"

    _scores(push, {1: 90}, version=2)  # the AI vendor re-scored candidate 1
    drain(digest_runtime.redis)
    assert cards_of(sim, "hr_lina", DIGEST_TEMPLATE)[0]["version"] == card["version"]  # held
    assert push_due_digests(first + LATER / 2) == 0  # not before the interval since `first`
    push_due_digests(first + LATER)

    [updated] = cards_of(sim, "hr_lina", DIGEST_TEMPLATE)
    assert updated["out_track_id"] == card["out_track_id"]
    assert updated["public"]["landed"] == "2" and updated["public"]["revised"] == "1"
    assert updated["public"]["suggest_advance"] == "2"
    assert updated["public"]["top"].startswith("1. 候选人1 · 90")
    assert updated["version"] > card["version"]


def _click(rt: Runtime, track: str, user: str, action: str) -> Any:
    with rt.session_factory() as s:
        return handle_card_action(
            s,
            out_track_id=track,
            user_id=user,
            action=action,
            params={"action": action},
            now=datetime.now(UTC),
            policy=policy_from_settings(rt.settings),
        )


def _wang() -> Viewer:
    return Viewer(
        dingtalk_user_id="hr_wangqiang",
        staff_id="st-hr-wang",
        staff_role="hr_specialist",
        roles=(STAFF,),
    )


def test_bulk_advance_reports_the_one_another_hr_rejected_and_writes_back_the_rest(
    push: Push, sim: Sim, digest_runtime: Runtime, digest_ehr: str
) -> None:
    _seed(push, 4, first=1001, ehr=digest_ehr)
    _scores(push, {1001: 88, 1002: 91, 1003: 84, 1004: 55})  # three suggested advancing
    drain(digest_runtime.redis)
    push_due_digests(datetime.now(UTC) + LATER)
    [card] = cards_of(sim, "hr_lina", DIGEST_TEMPLATE)
    assert card["public"]["advance_n"] == "3" and card["public"]["bulk_state"] == "ready"
    track = card["out_track_id"]

    asked = _click(digest_runtime, track, "hr_lina", "digest_advance")
    assert asked.card_data["bulk_state"] == "confirm"
    assert "3" in asked.card_data["bulk_text"]
    # Meanwhile the co-owner rejects candidate 2 from the mini-app.
    with digest_runtime.session_factory() as s:
        record_decision(
            s,
            application_id="app-1002",
            decision="reject",
            actor=_wang(),
            reason="other",
            source="api",
            idempotency_key="wang-rejects-2",
            now=datetime.now(UTC),
        )
    assert _click(digest_runtime, track, "hr_wangqiang", "digest_confirm").outcome == (
        "not_permitted"  # the card is 李娜's
    )
    running = _click(digest_runtime, track, "hr_lina", "digest_confirm")
    assert running.card_data["bulk_state"] == "running"
    assert _click(digest_runtime, track, "hr_lina", "digest_confirm").outcome == "duplicate"
    drain(digest_runtime.redis)  # the bulk job, then each decision's write-back and cards

    [done] = cards_of(sim, "hr_lina", DIGEST_TEMPLATE)
    assert done["public"]["bulk_state"] == "done"
    assert done["public"]["bulk_text"].startswith("已推进 2 人")
    assert "1 人已由他人处理（王强）" in done["public"]["bulk_text"]
    ours = {"app-1001", "app-1002", "app-1003", "app-1004"}
    written = [
        d
        for d in requests.get(f"{digest_ehr}/_demo/decisions", timeout=10).json()["decisions"]
        if d.get("application_id") in ours
    ]
    advanced = Counter(d["application_id"] for d in written if d["decision"] == "advance")
    assert advanced == Counter({"app-1001": 1, "app-1003": 1})  # N-1, each once
    assert [d["application_id"] for d in written if d["decision"] == "reject"] == ["app-1002"]


def _say(rt: Runtime, user: str, text: str) -> str:
    policy = BotPolicy(
        miniapp_url="http://127.0.0.1:8000/app/",
        score_parts=frozenset(),
        max_chars=200,
        score_notify_default=rt.settings.HR_SCORE_NOTIFY,
    )
    with rt.session_factory() as s:
        reply = answer_message(s, user_id=user, text=text, policy=policy, now=datetime.now(UTC))
    return reply.markdown


def test_an_hr_member_switches_to_a_card_per_score_with_the_bot_command(
    push: Push, sim: Sim, digest_runtime: Runtime
) -> None:
    _seed(push, 2)
    assert "当前：汇总" in _say(digest_runtime, "hr_lina", "设置")  # the company's default
    assert "逐条推送" in _say(digest_runtime, "hr_lina", "设置 通知 逐条")
    assert "Now: each" in _say(digest_runtime, "hr_lina", "settings")
    _say(digest_runtime, "cand_01", "设置 通知 汇总")  # a candidate has no such setting
    _scores(push, {1: 82, 2: 64})
    drain(digest_runtime.redis)
    push_due_digests(datetime.now(UTC) + LATER)

    assert len(cards_of(sim, "hr_lina", "mi-score-hr-v1.schema")) == 2
    assert cards_of(sim, "hr_lina", DIGEST_TEMPLATE) == []
    [digest] = cards_of(sim, "hr_wangqiang", DIGEST_TEMPLATE)  # the co-owner keeps digests
    assert digest["public"]["landed"] == "2"
    assert "one digest card" in _say(digest_runtime, "hr_lina", "settings notify digest")
    with digest_runtime.session_factory() as s:
        assert score_notify_modes(s, ["st-hr-li", "st-hr-wang"], "each") == {
            "st-hr-li": "digest",
            "st-hr-wang": "each",
        }
