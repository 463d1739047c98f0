"""Hostile EHR text and links reach people's chats as plain text and safe links (issue 16)."""

from __future__ import annotations

import re
from datetime import timedelta

from jobs.notify import deliver_outbox_event
from sandbox.ehr import events as ev
from services.access.visibility import Viewer
from services.clock.reminders import rules_from_settings, sweep_reminders
from services.decisions.policy import DimensionMinimum, PolicyConfig
from services.decisions.policy_admin import update_policy
from storage.models import Interview
from storage.runtime import Runtime
from storage.sync_models import OutboxEvent
from tests.notify.conftest import Push, Sim, application_events, drain, org_events

HOSTILE_LABEL = "[点我](javascript:alert(1))"
HOSTILE_URL = "javascript:alert(document.domain)//"
ADMIN = Viewer(dingtalk_user_id="admin_chengang", staff_id="st-admin-chen", staff_role="admin")
HR_OWNERS = ("hr_lina", "hr_wangqiang")  # pos-store-night's owners in sandbox/demo_org.json


def _unescaped(markdown: str) -> str:
    return re.sub(r"\\.", "", markdown, flags=re.DOTALL)


def test_a_hostile_dimension_label_is_text_in_the_hr_cards_reason(
    push: Push, sim: Sim, notify_runtime: Runtime
) -> None:
    push(org_events())
    push(application_events(1, candidate_id="cand-01", dingtalk_user_id="cand_01"))
    night = PolicyConfig(
        advance_threshold=80, dimension_minimums=[DimensionMinimum(key="night_shift", minimum=60)]
    )
    with notify_runtime.session_factory() as session:
        update_policy(session, ADMIN, "pos-store-night", night, now=ev.BASE_TIME)
    score = ev.score("sc-1", interview_id="iv-1", overall=85)
    score["dimensions"][2] = {**score["dimensions"][2], "label": HOSTILE_LABEL, "score": 40}
    push([ev.event("score", score)])
    drain(notify_runtime.redis)

    for userid in HR_OWNERS:
        [card] = sim.cards(userid)
        reason = card["public"]["suggestion_reason"]
        assert reason.startswith(r"\[点我\]\(javascript:alert\(1\)\) 40 低于 60"), reason
        assert "](" not in _unescaped(reason) and "[" not in _unescaped(reason)
        assert card["public"]["report_url"].startswith(notify_runtime.settings.MINIAPP_URL)


def test_a_javascript_invitation_url_never_becomes_the_reminder_button(
    push: Push, sim: Sim, notify_runtime: Runtime
) -> None:
    push(org_events())
    [candidate, application, _attended] = application_events(
        1, candidate_id="cand-01", dingtalk_user_id="cand_01"
    )
    push(
        [
            candidate,
            application,
            ev.event("interview", ev.interview("iv-1", application_id="app-1")),
        ]
    )
    with notify_runtime.session_factory() as session:
        # Written into the cache directly: whatever the contract accepts today, a row stored
        # earlier (or by a laxer EHR) may hold such a link, and the card must still be safe.
        interview = session.get(Interview, "iv-1")
        assert interview is not None
        interview.invitation_url = HOSTILE_URL
        session.commit()
        # Tuesday 10:00 in Shanghai: the 12 h "invitation not opened" reminder is due.
        now = ev.BASE_TIME + timedelta(hours=17)
        sweep_reminders(session, now=now, rules=rules_from_settings(notify_runtime.settings))
        outbox = session.query(OutboxEvent).filter_by(kind="reminder.due").all()
    assert outbox, "the sweep queued no reminder"
    for event in outbox:
        deliver_outbox_event(event.id)

    [card] = sim.cards("cand_01")
    base = notify_runtime.settings.MINIAPP_URL.rstrip("/")
    assert card["public"]["interview_url"] == f"{base}/#/interviews/iv-1"
