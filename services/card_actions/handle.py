"""What a click on an HR card does: authorize, act once, answer with the new card state.

Database-only and fast, because DingTalk waits at most 2 s for the answer. The EHR write-back and
the other HR copies of the card are outbox events that jobs handle after the commit.

Race safety: a click locks the application row (PostgreSQL `FOR UPDATE`), so of two HR pressing
Advance and Reject at once the second waits, then sees the first decision and is told who made
it. `record_decision`'s unique (application, sequence) stays the last line of defence. A card is
decided once: a later click on any copy answers "already decided by X". Idempotency keys are
derived from the card, so a double click is one decision.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session

from services.access.visibility import STAFF, Viewer, get_application_for_viewer
from services.bgcheck import actions as bgcheck_actions
from services.card_actions.click import (
    EXTRA_LABELS,
    MAX_PARAM_CHARS,
    REJECT_REASONS,
    CardActionResult,
    Click,
    decided,
    notice,
    param,
    staff_name,
)
from services.card_actions.followups import _approve, _extend, _flag, _remind, _review
from services.decisions.decide import record_decision
from services.digests import actions as digest_actions
from services.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from services.insight import training_cards
from services.interviewers import actions as interviewer_actions
from services.invitations import actions as invitation_actions
from services.notify.policy import NotifyPolicy
from services.offers import actions as offer_actions
from services.onboarding import actions as onboarding_actions
from services.rounds import actions as round_actions
from storage.action_models import Decision, Delivery
from storage.db import unit_of_work
from storage.models import (
    Application,
    Interview,
    Staff,
)

__all__ = ["CardActionResult", "handle_card_action"]


def _clicker(session: Session, user_id: str) -> tuple[Viewer, Staff]:
    staff = session.scalars(
        select(Staff).where(Staff.dingtalk_user_id == user_id, Staff.deleted.is_(false()))
    ).first()
    if staff is None:
        raise Forbidden("the clicking user is not HR staff", code="staff_only")
    viewer = Viewer(
        dingtalk_user_id=user_id, staff_id=staff.id, staff_role=staff.role, roles=(STAFF,)
    )
    return viewer, staff


def _click(
    session: Session, *, out_track_id: str, user_id: str, params: dict[str, Any], now: datetime
) -> Click:
    viewer, staff = _clicker(session, user_id)
    deliveries = list(
        session.scalars(
            select(Delivery).where(Delivery.out_track_id == out_track_id).order_by(Delivery.id)
        )
    )
    card_app = next((d.application_id for d in deliveries if d.application_id), None)
    interview_id = param(params, "interview_id")
    requirement_key = param(params, "requirement_id")
    application_id = card_app
    if requirement_key and ":" in requirement_key:
        application_id, _, requirement_key = requirement_key.partition(":")
    if interview_id:
        interview = session.get(Interview, interview_id)
        if interview is None or interview.deleted:
            raise NotFound(f"interview {interview_id} not found")
        application_id = interview.application_id
    if not application_id or (card_app and application_id != card_app):
        raise NotFound("the card does not name an application")
    get_application_for_viewer(session, viewer, application_id)  # scope, else NotFound
    return Click(
        viewer=viewer,
        staff=staff,
        out_track_id=out_track_id,
        application_id=application_id,
        interview_id=interview_id,
        requirement_key=requirement_key,
        card_sent_at=deliveries[0].created_at if deliveries else None,
        params={k: v for k in ("reason", "note", "hours") if (v := param(params, k))},
        now=now,
        lang="",
    )


def _earlier_decision(session: Session, click: Click) -> Decision | None:
    """A decision this card already stands for: made from it, or made since it was sent."""
    conditions: list[ColumnElement[bool]] = []
    if click.interview_id:
        conditions.append(Decision.idempotency_key.like(f"card:{click.interview_id}:%"))
    if click.card_sent_at is not None:
        conditions.append(Decision.created_at >= click.card_sent_at)
    if not conditions:
        return None
    return session.scalars(
        select(Decision)
        .where(Decision.application_id == click.application_id, or_(*conditions))
        .order_by(Decision.sequence.desc())
    ).first()


def _decide(session: Session, click: Click, decision: str, reason: str | None) -> CardActionResult:
    # Serialize clicks on one application: the second waits here, then sees the first decision.
    session.execute(
        select(Application.id).where(Application.id == click.application_id).with_for_update()
    )
    key = f"card:{click.interview_id or click.application_id}:{decision}"
    earlier = _earlier_decision(session, click)
    if earlier is not None and earlier.idempotency_key != key:
        session.rollback()
        who = staff_name(session, earlier.actor_staff_id, earlier.source)
        return decided("already_decided", earlier.decision, who, click.lang)
    try:
        row = record_decision(
            session,
            application_id=click.application_id,
            decision=decision,
            actor=click.viewer,
            reason=reason,
            source="card",
            idempotency_key=key,
            now=click.now,
        )
    except Conflict as exc:
        if exc.code != "already_decided":
            raise
        with unit_of_work(session):
            winner = _earlier_decision(session, click)
            if winner is None:
                raise
            who = staff_name(session, winner.actor_staff_id, winner.source)
            return decided("already_decided", winner.decision, who, click.lang)
    if row.actor_staff_id != click.staff.id:
        who = staff_name(session, row.actor_staff_id, row.source)
        return decided("already_decided", row.decision, who, click.lang)
    outcome = "duplicate" if earlier is not None else "done"
    return decided(outcome, row.decision, click.staff.name, click.lang)


def _advance(session: Session, click: Click) -> CardActionResult:
    return _decide(session, click, "advance", None)


def _reject(session: Session, click: Click) -> CardActionResult:
    if click.requirement_key:
        return _review(session, click, "rejected")
    reason = click.params.get("reason")
    return _decide(session, click, "reject", reason if reason in REJECT_REASONS else "other")


def _hold(session: Session, click: Click) -> CardActionResult:
    return _decide(session, click, "hold", None)


def _withdraw(session: Session, click: Click) -> CardActionResult:
    return _decide(session, click, "withdraw", "marked withdrawn from the follow-up card")


HANDLERS: dict[str, Callable[[Session, Click], CardActionResult]] = {
    "advance": _advance,
    "reject": _reject,
    "hold": _hold,
    "withdrawn": _withdraw,
    "withdraw": _withdraw,
    "remind": _remind,
    "extend": _extend,
    "flag": _flag,
    "approve": _approve,
    # --- The invitation and "I need more time" (services/invitations/): HR's answers ---
    "more_time_extend": invitation_actions.extend_on_request,
    "more_time_keep": invitation_actions.keep_on_request,
    # --- end of the invitation's HR answers ---
    # --- rounds (services/rounds/): HR keeps the time a candidate asked to move ---
    "round_keep": round_actions.keep_round_time,
    # --- end ---
    # --- the offer (services/offers/): HR's Send / Hold, the managers' Approve / Send back ---
    "offer_send": offer_actions.send_on_card,
    "offer_hold": offer_actions.hold_on_card,
    "offer_approve": offer_actions.approve_on_card,
    "offer_send_back": offer_actions.send_back_on_card,
    # --- training follow-up (services/insight/): HR's answers to the alert card ---
    "training_coaching": training_cards.add_coaching,
    "training_extend": training_cards.extend_due_date,
    "training_note": training_cards.add_note,
    # --- the background check (services/bgcheck/): HR's Pass / Fail / Ask the candidate ---
    "bgcheck_pass": bgcheck_actions.pass_on_card,
    "bgcheck_fail": bgcheck_actions.fail_on_card,
    "bgcheck_ask": bgcheck_actions.ask_on_card,
    # --- the onboarding notice (services/onboarding/): HR confirms date and place ---
    "onboarding_confirm": onboarding_actions.confirm_on_card,
    # --- end ---
}

# --- The invitation and "I need more time" (services/invitations/): the candidate's button ---
# The clicker is the candidate the card was sent to, not staff: these skip the staff lookup.
CANDIDATE_HANDLERS: dict[str, Callable[..., CardActionResult]] = {
    "more_time": invitation_actions.request_more_time,
    # --- rounds (services/rounds/): Confirm / Ask for another time on the round card ---
    "round_confirm": round_actions.confirm_round,
    "round_another_time": round_actions.ask_another_time,
    # --- end ---
}
# --- end of the candidate's buttons ---

# --- Interviewers (services/interviewers/): Pass / Hold / Fail on the feedback card ---
# The clicker is an assigned interviewer of the round (any role), not position-scoped HR.
INTERVIEWER_HANDLERS: dict[str, Callable[..., CardActionResult]] = dict.fromkeys(
    interviewer_actions.RESULT_OF_ACTION, interviewer_actions.give_feedback_on_card
)
# --- end ---

# --- HR's score digest (services/digests/): the card belongs to one HR member, not an
# application, so these find their digest by the card's outTrackId ---
DIGEST_ACTIONS = ("digest_advance", "digest_confirm", "digest_cancel")


def _digest_click(
    session: Session,
    action: str,
    *,
    out_track_id: str,
    user_id: str,
    now: datetime,
    lang: str,
    policy: NotifyPolicy | None,
) -> CardActionResult:
    if action == "digest_confirm":
        return digest_actions.confirm(
            session, out_track_id=out_track_id, user_id=user_id, now=now, lang=lang
        )
    if action == "digest_cancel":
        return digest_actions.cancel(session, out_track_id=out_track_id, user_id=user_id, lang=lang)
    if policy is None:
        return notice("invalid", "notice_invalid", lang)
    return digest_actions.ask_to_confirm(
        session, out_track_id=out_track_id, user_id=user_id, policy=policy, lang=lang
    )


def _staff_click(
    session: Session,
    handler: Callable[[Session, Click], CardActionResult],
    *,
    track: str,
    user_id: str,
    params: dict[str, Any],
    now: datetime,
    lang: str,
) -> CardActionResult:
    """An HR button: the clicker's scope is checked on the card's application, then acted on."""
    try:
        click = _click(session, out_track_id=track, user_id=user_id, params=params, now=now)
        return handler(session, Click(**{**click.__dict__, "lang": lang}))
    except (NotFound, Forbidden):
        session.rollback()
        return notice("not_permitted", "notice_not_permitted", lang)
    except InvalidInput:
        session.rollback()
        return notice("invalid", "notice_invalid", lang)
    except DomainError as exc:  # Conflict: the card stays as it is, the clicker is told why
        session.rollback()
        key = f"notice_{exc.code}"
        return notice("refused", key if key in EXTRA_LABELS else "notice_refused", lang)


def handle_card_action(
    session: Session,
    *,
    out_track_id: str,
    user_id: str,
    action: str,
    params: dict[str, Any],
    now: datetime,
    lang: str = "zh",
    policy: NotifyPolicy | None = None,
) -> CardActionResult:
    """Act on one card click by `user_id` and return the card state to answer DingTalk with.

    One route per kind of clicker; `policy` (the company's notification policy) is needed by
    the digest card's buttons only.
    """
    track = out_track_id[:MAX_PARAM_CHARS]
    if action in DIGEST_ACTIONS:
        return _digest_click(
            session, action, out_track_id=track, user_id=user_id, now=now, lang=lang, policy=policy
        )
    if action in CANDIDATE_HANDLERS:  # the candidate's buttons (services/invitations/)
        return CANDIDATE_HANDLERS[action](
            session, out_track_id=track, user_id=user_id, params=params, now=now, lang=lang
        )
    if action in INTERVIEWER_HANDLERS:  # the interviewer's buttons (services/interviewers/)
        return INTERVIEWER_HANDLERS[action](
            session,
            out_track_id=track,
            user_id=user_id,
            action=action,
            params=params,
            now=now,
            lang=lang,
        )
    handler = HANDLERS.get(action)
    if handler is None:
        return notice("invalid", "notice_invalid", lang)
    return _staff_click(
        session, handler, track=track, user_id=user_id, params=params, now=now, lang=lang
    )
