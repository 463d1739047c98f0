"""The domain's words, defined once: what the EHR sends (contract section 2), what the backend
writes to its outbox, and every set the rules of the product derive from them.

Plain string constants and tuples, not enums: the columns store these strings as the EHR sends
them, the contract validator and the SQL (`storage.sql.in_constants`) take them as they are, and
the candidate views compare them on the hottest read path with no conversion. Tuples keep a fixed
order, so a statement built from one renders the same SQL in every process.

Every derived set is a subset of the words it is derived from (tests/storage/test_vocabulary.py
checks that, and that the words are the contract's).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

# --- The EHR's words (docs/ehr-contract.md, section 2) -------------------------------------------

# `interviewer` (contract v1.1) sees only the interviews it is assigned to (`interviewer_ids`).
STAFF_ROLES: Final = ("hr_specialist", "recruiting_manager", "admin", "interviewer")
EDUCATION_LEVELS: Final = ("high_school", "associate", "bachelor", "master", "doctorate", "other")
APPLICATION_STAGES: Final = (
    "screening",
    "ai_interview",
    "interview",
    "offer",
    "hired",
    "rejected",
    "withdrawn",
)
REQUIREMENT_STATUSES: Final = ("missing", "submitted", "approved", "rejected")
INTERVIEW_KINDS: Final = ("ai", "video", "onsite")
INTERVIEW_STATUSES: Final = (
    "scheduled",
    "invited",
    "opened",
    "attended",
    "no_show",
    "cancelled",
    "completed",
)
SCORE_STATUSES: Final = ("draft", "published", "revised")
# An interviewer's verdict on a round (contract v1.1, kind `feedback`).
FEEDBACK_RESULTS: Final = ("pass", "hold", "fail")

# --- Application stages --------------------------------------------------------------------------

# The way forward, in order: Advance moves an application one step along it, and the candidate's
# progress bar shows it.
PIPELINE_STAGES: Final = ("screening", "ai_interview", "interview", "offer", "hired")
# The stage Advance moves each pipeline stage to.
NEXT_STAGE: Final[Mapping[str, str]] = MappingProxyType(dict(itertools.pairwise(PIPELINE_STAGES)))
# Where an application leaves the pipeline before its end (the progress bar "stops" there).
STOPPED_STAGES: Final = ("rejected", "withdrawn")
# Nothing more happens to the application: no decision, no reminder. "offer" is not closed: the
# offer still has to be answered and Advance takes it to "hired".
CLOSED_STAGES: Final = ("hired", *STOPPED_STAGES)
# An interview's result waits for HR's decision (the chat's pending list).
AWAITING_DECISION_STAGES: Final = ("ai_interview", "interview")

# --- Interview statuses --------------------------------------------------------------------------

# Invited, not attended yet: the reminders chase these.
AWAITING_ATTENDANCE_STATUSES: Final = ("invited", "opened")
# Not over: still to take place, or missed but reopened when HR extends its deadline (a card's
# Extend turns a no-show back into "invited"). Attended, completed and cancelled ones are over.
OPEN_INTERVIEW_STATUSES: Final = ("scheduled", *AWAITING_ATTENDANCE_STATUSES, "no_show")
# The candidate took part.
ATTENDED_STATUSES: Final = ("attended", "completed")
# Settled either way: counted as due in a position's no-show rate (besides those past their
# deadline and not cancelled).
ATTENDED_OR_MISSED_STATUSES: Final = (*ATTENDED_STATUSES, "no_show")
# The invitation went out (scheduled-only and cancelled ones do not count): a batch's no-show
# alert divides by these.
INVITED_STATUSES: Final = (*AWAITING_ATTENDANCE_STATUSES, *ATTENDED_OR_MISSED_STATUSES)
# Not attended: a no-show once the deadline has passed (the batch alert's numerator).
NOT_ATTENDED_STATUSES: Final = (*AWAITING_ATTENDANCE_STATUSES, "no_show")

# --- Score statuses ------------------------------------------------------------------------------

# What a candidate, a card or a statistic may show; a draft never reaches anyone (contract 2).
VISIBLE_SCORE_STATUSES: Final = ("published", "revised")

# --- Requirement statuses ------------------------------------------------------------------------

# Block Advance, and are the candidate's to-dos (upload a missing one, resubmit a rejected one).
BLOCKING_REQUIREMENT_STATUSES: Final = ("missing", "rejected")
# HR has reviewed it: a second review from a card is a duplicate or already decided.
REVIEWED_REQUIREMENT_STATUSES: Final = ("approved", "rejected")

# --- Outbox kinds --------------------------------------------------------------------------------

# From the EHR's changes (services/ehr/outbox.py).
OUTBOX_SCORE_PUBLISHED: Final = "score.published"
OUTBOX_SCORE_REVISED: Final = "score.revised"
OUTBOX_INTERVIEW_INVITED: Final = "interview.invited"
OUTBOX_INTERVIEW_OPENED: Final = "interview.opened"
OUTBOX_INTERVIEW_ATTENDED: Final = "interview.attended"
OUTBOX_INTERVIEW_NO_SHOW: Final = "interview.no_show"
OUTBOX_INTERVIEW_RESCHEDULED: Final = "interview.rescheduled"
OUTBOX_INTERVIEW_CANCELLED: Final = "interview.cancelled"
OUTBOX_STAGE_CHANGED: Final = "application.stage_changed"
OUTBOX_REQUIREMENT_STATUS_CHANGED: Final = "requirement.status_changed"
# From the backend's own rules and sweeps.
OUTBOX_DECISION_RECORDED: Final = "decision.recorded"
OUTBOX_REMINDER_DUE: Final = "reminder.due"
OUTBOX_NO_SHOW_ALERT: Final = "alert.no_show_rate"
# From people's actions (card buttons, the mini-app) rather than the EHR.
OUTBOX_SCORE_FLAGGED: Final = "score.flagged"
OUTBOX_MANUAL_REMINDER: Final = "reminder.manual"
OUTBOX_DEADLINE_EXTENDED: Final = "interview.deadline_extended"
OUTBOX_REQUIREMENT_REVIEWED: Final = "requirement.reviewed"
# The rounds after the AI interview (issue 18).
# The EHR created a round (a video or onsite interview with a time): calendar events and cards.
OUTBOX_ROUND_SCHEDULED: Final = "interview.round_scheduled"
# The candidate pressed "I need more time" on the invitation card: HR gets Extend / Keep.
OUTBOX_MORE_TIME_REQUESTED: Final = "interview.more_time_requested"
# HR kept the deadline after such a request: the candidate hears it.
OUTBOX_DEADLINE_KEPT: Final = "interview.deadline_kept"
# The candidate confirmed a scheduled round, or asked for another time (HR gets the note).
OUTBOX_ROUND_CONFIRMED: Final = "interview.round_confirmed"
OUTBOX_RESCHEDULE_REQUESTED: Final = "interview.reschedule_requested"
# The clock: an interviewer's briefing before the round, the feedback request after its end,
# and the one reminder when feedback is still missing.
OUTBOX_BRIEFING_DUE: Final = "interviewer.briefing_due"
OUTBOX_FEEDBACK_REQUESTED: Final = "feedback.requested"
OUTBOX_FEEDBACK_REMINDER: Final = "feedback.reminder_due"
# An interviewer gave feedback in DingTalk (written back), or the EHR sent one; and every
# assigned interviewer of a round has answered (HR's summary card).
OUTBOX_FEEDBACK_SUBMITTED: Final = "feedback.submitted"
OUTBOX_FEEDBACK_UPSERTED: Final = "feedback.upserted"
OUTBOX_FEEDBACK_COMPLETE: Final = "feedback.complete"
# HR confirmed "Advance the N suggested" on a digest card (issue 22): a job records the N
# decisions, each like a single one, and the digest card reports the result.
OUTBOX_BULK_DECISION_REQUESTED: Final = "decision.bulk_requested"
# The offer (issue 19): drafted when an application enters `offer` with a qualifying score (HR
# owners' card), approval asked of and answered by recruiting managers, sent (written back to
# the EHR, then the candidate's card), answered by the candidate or expired (written back, then
# HR's card updated).
OUTBOX_OFFER_DRAFTED: Final = "offer.drafted"
OUTBOX_OFFER_APPROVAL_REQUESTED: Final = "offer.approval_requested"
OUTBOX_OFFER_APPROVAL_ANSWERED: Final = "offer.approval_answered"
OUTBOX_OFFER_SENT: Final = "offer.sent"
OUTBOX_OFFER_ANSWERED: Final = "offer.answered"
# The clock: the candidate's one reminder 24 h before the offer expires (working hours).
OUTBOX_OFFER_REMINDER: Final = "offer.reminder_due"

# The training follow-up (issue 21): a course past its due date under the completion threshold,
# or an exam under its threshold, once per course and threshold crossed.
OUTBOX_TRAINING_ALERT: Final = "training.alert_due"
# HR's answer on the alert card (coaching, a new due date, a note): the record, and the dedupe
# of a double click.
OUTBOX_TRAINING_ANSWERED: Final = "training.answered"

# The background check (issue 20): the candidate is asked for consent (card); consent given (a
# job creates the check with the vendor); the vendor said something changed (a job reads the
# report); each step for the EHR (written back); a check to consider (HR owners' card) and
# HR's decision on it (written back, every HR copy updated).
OUTBOX_BGCHECK_CONSENT_REQUESTED: Final = "bgcheck.consent_requested"
OUTBOX_BGCHECK_CONSENTED: Final = "bgcheck.consented"
OUTBOX_BGCHECK_VENDOR_UPDATED: Final = "bgcheck.vendor_updated"
OUTBOX_BGCHECK_PROGRESSED: Final = "bgcheck.progressed"
OUTBOX_BGCHECK_REVIEW_REQUESTED: Final = "bgcheck.review_requested"
OUTBOX_BGCHECK_DECIDED: Final = "bgcheck.decided"
# The onboarding notice: due (HR owners confirm date and place), and sent (written back to the
# EHR, then the candidate's 入职通知 card).
OUTBOX_ONBOARDING_PLANNED: Final = "onboarding.planned"
OUTBOX_ONBOARDING_NOTIFIED: Final = "onboarding.notified"

OUTBOX_KINDS: Final = (
    OUTBOX_SCORE_PUBLISHED,
    OUTBOX_SCORE_REVISED,
    OUTBOX_INTERVIEW_INVITED,
    OUTBOX_INTERVIEW_OPENED,
    OUTBOX_INTERVIEW_ATTENDED,
    OUTBOX_INTERVIEW_NO_SHOW,
    OUTBOX_INTERVIEW_RESCHEDULED,
    OUTBOX_INTERVIEW_CANCELLED,
    OUTBOX_STAGE_CHANGED,
    OUTBOX_REQUIREMENT_STATUS_CHANGED,
    OUTBOX_DECISION_RECORDED,
    OUTBOX_REMINDER_DUE,
    OUTBOX_NO_SHOW_ALERT,
    OUTBOX_SCORE_FLAGGED,
    OUTBOX_MANUAL_REMINDER,
    OUTBOX_DEADLINE_EXTENDED,
    OUTBOX_REQUIREMENT_REVIEWED,
    OUTBOX_ROUND_SCHEDULED,
    OUTBOX_MORE_TIME_REQUESTED,
    OUTBOX_DEADLINE_KEPT,
    OUTBOX_ROUND_CONFIRMED,
    OUTBOX_RESCHEDULE_REQUESTED,
    OUTBOX_BRIEFING_DUE,
    OUTBOX_FEEDBACK_REQUESTED,
    OUTBOX_FEEDBACK_REMINDER,
    OUTBOX_FEEDBACK_SUBMITTED,
    OUTBOX_FEEDBACK_UPSERTED,
    OUTBOX_FEEDBACK_COMPLETE,
    OUTBOX_BULK_DECISION_REQUESTED,
    OUTBOX_OFFER_DRAFTED,
    OUTBOX_OFFER_APPROVAL_REQUESTED,
    OUTBOX_OFFER_APPROVAL_ANSWERED,
    OUTBOX_OFFER_SENT,
    OUTBOX_OFFER_ANSWERED,
    OUTBOX_OFFER_REMINDER,
    OUTBOX_TRAINING_ALERT,
    OUTBOX_TRAINING_ANSWERED,
    OUTBOX_BGCHECK_CONSENT_REQUESTED,
    OUTBOX_BGCHECK_CONSENTED,
    OUTBOX_BGCHECK_VENDOR_UPDATED,
    OUTBOX_BGCHECK_PROGRESSED,
    OUTBOX_BGCHECK_REVIEW_REQUESTED,
    OUTBOX_BGCHECK_DECIDED,
    OUTBOX_ONBOARDING_PLANNED,
    OUTBOX_ONBOARDING_NOTIFIED,
)
