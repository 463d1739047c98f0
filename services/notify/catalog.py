"""The notification catalogue: what happens to each outbox kind, and what builds each card.

`OUTBOX` has one entry per outbox kind (storage.vocabulary.OUTBOX_KINDS): the function that plans
its cards, or None when the row is only the record of what happened, and whether the EHR is told
first (jobs/writeback.py), so that the cards can say whether it accepted. `CARDS` has one entry
per card purpose a planner uses: the function that builds the card at send time, and the title
of the work notice sent instead when the card cannot reach the person.

Adding a card kind means adding its lines here; tests/notify/test_catalog.py fails while a kind
or a purpose is missing, so nothing is sent (or silently dropped) by accident.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from services.clock import cards as clock_cards
from services.clock import manual_reminder
from services.decisions import cards as decision_cards
from services.notify import score_cards
from services.notify.base import Content, Planner
from storage.vocabulary import (
    OUTBOX_DEADLINE_EXTENDED,
    OUTBOX_DECISION_RECORDED,
    OUTBOX_INTERVIEW_ATTENDED,
    OUTBOX_INTERVIEW_CANCELLED,
    OUTBOX_INTERVIEW_INVITED,
    OUTBOX_INTERVIEW_NO_SHOW,
    OUTBOX_INTERVIEW_OPENED,
    OUTBOX_INTERVIEW_RESCHEDULED,
    OUTBOX_MANUAL_REMINDER,
    OUTBOX_NO_SHOW_ALERT,
    OUTBOX_REMINDER_DUE,
    OUTBOX_REQUIREMENT_REVIEWED,
    OUTBOX_REQUIREMENT_STATUS_CHANGED,
    OUTBOX_SCORE_FLAGGED,
    OUTBOX_SCORE_PUBLISHED,
    OUTBOX_SCORE_REVISED,
    OUTBOX_STAGE_CHANGED,
)


@dataclass(frozen=True)
class Handling:
    """What the jobs do with an outbox row of one kind."""

    plan: Planner | None  # None: no card; the row stays as the record of what happened
    write_back: bool = False  # tell the EHR first, then plan (the cards show its answer)


@dataclass(frozen=True)
class CardKind:
    """How the card of one purpose is built when it is sent."""

    build: Content
    title: str  # of the work notice sent instead when the card cannot reach the person


# No card for interview and stage changes: the clock's sweeps read the interviews themselves,
# and the row is kept as the record of what happened.
RECORD_ONLY: Final = Handling(plan=None)

OUTBOX: Final[dict[str, Handling]] = {
    # From the EHR's changes (services/ehr/outbox.py)
    OUTBOX_SCORE_PUBLISHED: Handling(score_cards.plan_score),
    OUTBOX_SCORE_REVISED: Handling(score_cards.plan_score),  # updates the cards in place
    OUTBOX_INTERVIEW_INVITED: RECORD_ONLY,
    OUTBOX_INTERVIEW_OPENED: RECORD_ONLY,
    OUTBOX_INTERVIEW_ATTENDED: RECORD_ONLY,
    OUTBOX_INTERVIEW_NO_SHOW: RECORD_ONLY,
    OUTBOX_INTERVIEW_RESCHEDULED: RECORD_ONLY,
    OUTBOX_INTERVIEW_CANCELLED: RECORD_ONLY,
    OUTBOX_STAGE_CHANGED: RECORD_ONLY,
    OUTBOX_REQUIREMENT_STATUS_CHANGED: Handling(clock_cards.plan_requirement),
    # From the clock's sweeps (services/clock/)
    OUTBOX_REMINDER_DUE: Handling(clock_cards.plan_reminder),
    OUTBOX_NO_SHOW_ALERT: Handling(clock_cards.plan_no_show_alert),
    # From HR's actions: card buttons and the mini-app (services/decisions/, card_actions/)
    OUTBOX_DECISION_RECORDED: Handling(decision_cards.plan_decision, write_back=True),
    # A flag reaches the EHR as a hold with the note.
    OUTBOX_SCORE_FLAGGED: Handling(decision_cards.plan_flag, write_back=True),
    OUTBOX_MANUAL_REMINDER: Handling(manual_reminder.plan_manual_reminder),
    OUTBOX_DEADLINE_EXTENDED: Handling(manual_reminder.plan_manual_reminder, write_back=True),
    OUTBOX_REQUIREMENT_REVIEWED: Handling(plan=None, write_back=True),
}

CARDS: Final[dict[str, CardKind]] = {
    # Score cards
    "score_candidate": CardKind(score_cards.build_score_card, "AI 面试得分"),
    "score_hr": CardKind(score_cards.build_score_card, "AI 面试得分"),
    # Updates of HR's score cards after an action
    "score_hr_decision": CardKind(decision_cards.build_decision_card, "AI 面试得分"),
    "score_hr_flag": CardKind(decision_cards.build_flag_card, "AI 面试得分"),
    # The candidate hears a decision the EHR accepted
    "next_round": CardKind(decision_cards.build_next_round_card, "恭喜进入下一轮"),
    "rejection_notice": CardKind(decision_cards.build_rejection_card, "面试结果通知"),
    # Reminders and follow-ups of the clock
    "invite_reminder": CardKind(clock_cards.build_reminder_card, "AI 面试提醒"),
    "not_attended_hr": CardKind(clock_cards.build_reminder_card, "AI 面试提醒"),
    "no_show_alert": CardKind(clock_cards.build_no_show_card, "面试缺席预警"),
    # Gating requirements: the candidate's to-do, HR's review
    "requirement_todo": CardKind(clock_cards.build_requirement_card, "材料待办"),
    "requirement_review_hr": CardKind(clock_cards.build_requirement_card, "材料待办"),
    # HR's reminder from a card, and the copies of the card pressed
    "invite_reminder_manual": CardKind(manual_reminder.build_manual_reminder_card, "AI 面试提醒"),
    "copy_status": CardKind(manual_reminder.build_copy_status_card, "处理结果"),
}
