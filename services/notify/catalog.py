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

from services.bgcheck import cards as bgcheck_cards
from services.clock import cards as clock_cards
from services.clock import manual_reminder
from services.decisions import cards as decision_cards
from services.digests import content as digest_content
from services.insight import training_cards
from services.interviewers import cards as interviewer_cards
from services.invitations import cards as invitation_cards
from services.notify import score_cards
from services.notify.base import Content, Planner
from services.offers import cards as offer_cards
from services.onboarding import cards as onboarding_cards
from services.rounds import cards as round_cards
from storage.vocabulary import (
    OUTBOX_BGCHECK_CONSENT_REQUESTED,
    OUTBOX_BGCHECK_CONSENTED,
    OUTBOX_BGCHECK_DECIDED,
    OUTBOX_BGCHECK_PROGRESSED,
    OUTBOX_BGCHECK_REVIEW_REQUESTED,
    OUTBOX_BGCHECK_VENDOR_UPDATED,
    OUTBOX_BRIEFING_DUE,
    OUTBOX_BULK_DECISION_REQUESTED,
    OUTBOX_DEADLINE_EXTENDED,
    OUTBOX_DEADLINE_KEPT,
    OUTBOX_DECISION_RECORDED,
    OUTBOX_FEEDBACK_COMPLETE,
    OUTBOX_FEEDBACK_REMINDER,
    OUTBOX_FEEDBACK_REQUESTED,
    OUTBOX_FEEDBACK_SUBMITTED,
    OUTBOX_FEEDBACK_UPSERTED,
    OUTBOX_INTERVIEW_ATTENDED,
    OUTBOX_INTERVIEW_CANCELLED,
    OUTBOX_INTERVIEW_INVITED,
    OUTBOX_INTERVIEW_NO_SHOW,
    OUTBOX_INTERVIEW_OPENED,
    OUTBOX_INTERVIEW_RESCHEDULED,
    OUTBOX_MANUAL_REMINDER,
    OUTBOX_MORE_TIME_REQUESTED,
    OUTBOX_NO_SHOW_ALERT,
    OUTBOX_OFFER_ANSWERED,
    OUTBOX_OFFER_APPROVAL_ANSWERED,
    OUTBOX_OFFER_APPROVAL_REQUESTED,
    OUTBOX_OFFER_DRAFTED,
    OUTBOX_OFFER_REMINDER,
    OUTBOX_OFFER_SENT,
    OUTBOX_ONBOARDING_NOTIFIED,
    OUTBOX_ONBOARDING_PLANNED,
    OUTBOX_REMINDER_DUE,
    OUTBOX_REQUIREMENT_REVIEWED,
    OUTBOX_REQUIREMENT_STATUS_CHANGED,
    OUTBOX_RESCHEDULE_REQUESTED,
    OUTBOX_ROUND_CONFIRMED,
    OUTBOX_ROUND_SCHEDULED,
    OUTBOX_SCORE_FLAGGED,
    OUTBOX_SCORE_PUBLISHED,
    OUTBOX_SCORE_REVISED,
    OUTBOX_STAGE_CHANGED,
    OUTBOX_TRAINING_ALERT,
    OUTBOX_TRAINING_ANSWERED,
)


@dataclass(frozen=True)
class Handling:
    """What the jobs do with an outbox row of one kind."""

    plan: Planner | None  # None: no card; the row stays as the record of what happened
    write_back: bool = False  # tell the EHR first, then plan (the cards show its answer)
    calendar: bool = False  # make the round's DingTalk calendar event match it first


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
    OUTBOX_INTERVIEW_OPENED: RECORD_ONLY,
    OUTBOX_INTERVIEW_ATTENDED: RECORD_ONLY,
    OUTBOX_INTERVIEW_NO_SHOW: RECORD_ONLY,
    # A round's move or cancellation: its calendar event and the cards (AI interviews: no card,
    # the clock's sweeps follow the new deadline).
    OUTBOX_INTERVIEW_RESCHEDULED: Handling(round_cards.plan_round_changed, calendar=True),
    OUTBOX_INTERVIEW_CANCELLED: Handling(round_cards.plan_round_changed, calendar=True),
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
    OUTBOX_DEADLINE_EXTENDED: Handling(invitation_cards.plan_deadline_extended, write_back=True),
    OUTBOX_REQUIREMENT_REVIEWED: Handling(plan=None, write_back=True),
    # --- The invitation and "I need more time" (services/invitations/) ---
    OUTBOX_INTERVIEW_INVITED: Handling(invitation_cards.plan_invitation),
    OUTBOX_MORE_TIME_REQUESTED: Handling(invitation_cards.plan_more_time),
    OUTBOX_DEADLINE_KEPT: Handling(invitation_cards.plan_deadline_kept),
    # --- Rounds scheduled from DingTalk or the EHR (services/rounds/) ---
    OUTBOX_ROUND_SCHEDULED: Handling(round_cards.plan_round_scheduled, calendar=True),
    # The confirmation is answered on the card itself (the click's answer); kept as the record.
    OUTBOX_ROUND_CONFIRMED: RECORD_ONLY,
    OUTBOX_RESCHEDULE_REQUESTED: Handling(round_cards.plan_reschedule_request),
    # --- Interviewers: briefing and feedback (services/interviewers/) ---
    OUTBOX_BRIEFING_DUE: Handling(interviewer_cards.plan_briefing),
    OUTBOX_FEEDBACK_REQUESTED: Handling(interviewer_cards.plan_feedback_request),
    OUTBOX_FEEDBACK_REMINDER: Handling(interviewer_cards.plan_feedback_reminder),
    # The record of a submission; a card's pending one is written back by the interviewers'
    # sweep (jobs/clock.py), the mini-app's at once.
    OUTBOX_FEEDBACK_SUBMITTED: RECORD_ONLY,
    OUTBOX_FEEDBACK_UPSERTED: Handling(interviewer_cards.plan_feedback_upserted),
    OUTBOX_FEEDBACK_COMPLETE: Handling(interviewer_cards.plan_feedback_complete),
    # --- HR's attention (services/digests/): "Advance the N suggested" confirmed on a digest
    # card; jobs/digests.py records the decisions (each with its own outbox row and cards) ---
    OUTBOX_BULK_DECISION_REQUESTED: RECORD_ONLY,
    # --- The offer (services/offers/): the stage change that drafts it is routed to
    # jobs/offers.py by jobs/dispatch.py (OWN_JOBS), and so are sent and answered offers, written to
    # the EHR (contract v1.1 offer endpoints) before these cards go out.
    OUTBOX_OFFER_DRAFTED: Handling(offer_cards.plan_offer_drafted),
    OUTBOX_OFFER_APPROVAL_REQUESTED: Handling(offer_cards.plan_approval_requested),
    OUTBOX_OFFER_APPROVAL_ANSWERED: Handling(offer_cards.plan_offer_progress),
    OUTBOX_OFFER_SENT: Handling(offer_cards.plan_offer_progress),
    OUTBOX_OFFER_ANSWERED: Handling(offer_cards.plan_offer_progress),
    OUTBOX_OFFER_REMINDER: Handling(offer_cards.plan_offer_reminder),
    # --- The background check (services/bgcheck/): consent, the vendor's creation and report
    # and each step's write-back are routed to jobs/bgcheck.py by jobs/dispatch.py (OWN_JOBS);
    # they have no card of their own. A check to consider asks the HR owners; their decision
    # updates every copy. ---
    OUTBOX_BGCHECK_CONSENT_REQUESTED: Handling(bgcheck_cards.plan_consent_requested),
    OUTBOX_BGCHECK_CONSENTED: RECORD_ONLY,
    OUTBOX_BGCHECK_VENDOR_UPDATED: RECORD_ONLY,
    OUTBOX_BGCHECK_PROGRESSED: RECORD_ONLY,
    OUTBOX_BGCHECK_REVIEW_REQUESTED: Handling(bgcheck_cards.plan_review),
    OUTBOX_BGCHECK_DECIDED: Handling(bgcheck_cards.plan_decided),
    # The onboarding notice (services/onboarding/): due (HR owners confirm), and sent (written
    # to the EHR by jobs/bgcheck.py first, then the candidate's 入职通知).
    OUTBOX_ONBOARDING_PLANNED: Handling(onboarding_cards.plan_onboarding_cards),
    OUTBOX_ONBOARDING_NOTIFIED: Handling(onboarding_cards.plan_onboarding_cards),
    # --- Training follow-up (services/insight/): the alert, and HR's answers as the record ---
    OUTBOX_TRAINING_ALERT: Handling(training_cards.plan_training_alert),
    OUTBOX_TRAINING_ANSWERED: RECORD_ONLY,
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
    # --- The invitation and "I need more time" (services/invitations/) ---
    "invitation": CardKind(invitation_cards.build_invitation_card, "AI 面试邀请"),
    "more_time_hr": CardKind(invitation_cards.build_more_time_card, "候选人申请延期"),
    "more_time_status": CardKind(invitation_cards.build_more_time_status, "处理结果"),
    # --- Rounds scheduled from DingTalk or the EHR (services/rounds/) ---
    "round_scheduled": CardKind(round_cards.build_round_card, "面试安排"),
    "round_changed": CardKind(round_cards.build_changed_card, "面试变更"),
    "reschedule_request_hr": CardKind(round_cards.build_reschedule_request_card, "候选人申请改期"),
    # --- Interviewers: briefing and feedback (services/interviewers/) ---
    "interviewer_briefing": CardKind(interviewer_cards.build_briefing_card, "面试官简报"),
    "feedback_request": CardKind(interviewer_cards.build_feedback_request_card, "请提交面试反馈"),
    "feedback_reminder": CardKind(interviewer_cards.build_feedback_reminder_card, "面试反馈提醒"),
    "feedback_summary_hr": CardKind(interviewer_cards.build_summary_card, "面试反馈汇总"),
    # --- HR's score digest (services/digests/), pushed by jobs/digests.py ---
    "score_digest_hr": CardKind(digest_content.build_digest_card, "新成绩汇总"),
    # --- The offer (services/offers/) ---
    "offer_draft_hr": CardKind(offer_cards.build_offer_hr_card, "录用意向"),
    "offer_approval_manager": CardKind(offer_cards.build_approval_card, "录用意向待审批"),
    "offer_candidate": CardKind(offer_cards.build_offer_candidate_card, "您收到一份录用意向"),
    "offer_reminder": CardKind(offer_cards.build_offer_reminder_card, "录用意向即将过期"),
    # --- The background check (services/bgcheck/) ---
    "bgcheck_consent": CardKind(bgcheck_cards.build_consent_card, "背景调查授权"),
    "bgcheck_review_hr": CardKind(bgcheck_cards.build_review_card, "背景调查待确认"),
    "onboarding_confirm_hr": CardKind(onboarding_cards.build_confirm_card, "入职安排待确认"),
    "onboarding_notice": CardKind(onboarding_cards.build_notice_card, "入职通知"),
    # --- Training follow-up (services/insight/) ---
    "training_alert_hr": CardKind(training_cards.build_training_alert_card, "新员工培训预警"),
}
