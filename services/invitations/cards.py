"""The invitation's cards: the candidate's invitation, HR's "needs more time", and their updates.

Planners decide from the cache when the outbox row is handled; builders read it again at send
time, so a card is never built for an interview taken, cancelled or closed meanwhile, and every
update shows the deadline and the request as they are now. services/notify/catalog.py names
which outbox kind and card purpose each function handles.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cards.builders import Card, fmt_time
from cards.links import safe_url
from services.clock.manual_reminder import plan_manual_reminder, sibling_updates
from services.invitations import state as st
from services.invitations.text import label, more_time_label
from services.notify.base import PlannedCard, out_track_id, outbox_event_of
from services.notify.policy import NotifyPolicy
from services.notify.recipients import candidate_recipient, hr_owner_recipients
from storage.action_models import Delivery
from storage.models import Staff
from storage.sync_models import OutboxEvent
from storage.vocabulary import NOT_ATTENDED_STATUSES

VALUE_CHARS = 300  # well inside DingTalk's 1 KB per card value, for EHR titles and names


def _text(value: object) -> str:
    return "" if value is None else str(value)[:VALUE_CHARS]


def _payload_interview(event: OutboxEvent | None) -> str:
    payload = (event.payload or {}) if event else {}
    return str(payload.get("interview_id") or (event.entity_id if event else ""))


def _invitation_update(session: Session, chain: st.InvitationChain) -> list[PlannedCard]:
    """An in-place update of the candidate's invitation card, when it was delivered."""
    recipient = candidate_recipient(chain.candidate)
    key = st.invitation_key(chain.interview)
    sent = session.scalar(
        select(Delivery.id)
        .where(
            Delivery.out_track_id == out_track_id(key, recipient),
            Delivery.state == "sent",
        )
        .limit(1)
    )
    if sent is None:
        return []
    return [PlannedCard("invitation", recipient, key, operation="update")]


def plan_invitation(
    session: Session, event: OutboxEvent, policy: NotifyPolicy
) -> list[PlannedCard]:
    """Plan the candidate's invitation card: once per invitation, never for a draft."""
    chain = st.load_invitation(session, _payload_interview(event))
    if chain is None:
        return []
    key = st.invitation_key(chain.interview)
    return [PlannedCard("invitation", candidate_recipient(chain.candidate), key)]


def build_invitation_card(
    session: Session, delivery: Delivery, policy: NotifyPolicy
) -> Card | None:
    """Build the invitation from the interview as it is now (deadline, the request's state)."""
    event = outbox_event_of(session, delivery)
    # A new card only while it can be taken; an update also after a missed deadline, which
    # is when an extension matters most.
    creating = delivery.operation == "create"
    chain = st.load_invitation(session, _payload_interview(event), awaiting=creating)
    if chain is None or chain.interview.status not in NOT_ATTENDED_STATUSES:
        return None
    interview, lang = chain.interview, policy.language
    request = st.request_state(session, interview.id)
    minutes = interview.duration_minutes
    fallback = policy.report_url(interview.id)
    link = safe_url(interview.invitation_url, fallback, allow_http=policy.allow_http_links)
    data = {
        "interview_id": interview.id,
        "candidate_name": _text(chain.candidate.name),
        "position": _text(chain.position.title),
        "interview_kind": label("kind_ai", lang),
        "duration": label("duration", lang).format(minutes=minutes) if minutes else "",
        "where": label("anywhere", lang),
        "deadline": fmt_time(interview.deadline_at, lang),
        "interview_url": link,
        "more_time": request,
        "more_time_label": more_time_label(request, lang),
    }
    return Card("invitation", data)


def plan_more_time(session: Session, event: OutboxEvent, policy: NotifyPolicy) -> list[PlannedCard]:
    """Plan the "needs more time" card of every HR owner of the position."""
    chain = st.load_invitation(session, _payload_interview(event), awaiting=False)
    if chain is None:
        return []
    key = f"more-time-{event.id}"
    return [
        PlannedCard("more_time_hr", r, key) for r in hr_owner_recipients(session, chain.position.id)
    ]


def build_more_time_card(session: Session, delivery: Delivery, policy: NotifyPolicy) -> Card | None:
    """Build HR's card: who asks, for which position, the deadline as it is now."""
    event = outbox_event_of(session, delivery)
    chain = st.load_invitation(session, _payload_interview(event), awaiting=False)
    if event is None or chain is None:
        return None
    lang = policy.language
    return Card(
        "more_time_hr",
        {
            "interview_id": chain.interview.id,
            "candidate_name": _text(chain.candidate.name),
            "position": _text(chain.position.title),
            "deadline": fmt_time(chain.interview.deadline_at, lang),
            "requested_at": fmt_time(event.created_at, lang),
            "hours": st.EXTEND_HOURS,
            "decision": "",
            "decision_label": "",
            "decided_by": "",
        },
    )


def plan_deadline_kept(
    session: Session, event: OutboxEvent, policy: NotifyPolicy
) -> list[PlannedCard]:
    """Tell the candidate the deadline stays (their card, in place) and mark every HR copy."""
    chain = st.load_invitation(session, _payload_interview(event), awaiting=False)
    if chain is None:
        return []
    copies = [
        PlannedCard(
            "more_time_status",
            copy.recipient,
            copy.card_key,
            operation="update",
            track_id=copy.track_id,
        )
        for copy in sibling_updates(session, event)
    ]
    return _invitation_update(session, chain) + copies


def build_more_time_status(
    session: Session, delivery: Delivery, policy: NotifyPolicy
) -> Card | None:
    """Build the update of a copy of HR's card: who kept the deadline."""
    event = outbox_event_of(session, delivery)
    actor = session.get(Staff, str(event.payload.get("actor_staff_id") or "")) if event else None
    if actor is None:
        return None
    lang = policy.language
    data = {"decision": st.KEPT, "decision_label": label("kept", lang), "decided_by": actor.name}
    return Card("more_time_hr", data)  # an update of that card: no template of its own


def plan_deadline_extended(
    session: Session, event: OutboxEvent, policy: NotifyPolicy
) -> list[PlannedCard]:
    """The extend path's cards (the candidate's reminder, every copy of the card pressed), and
    the candidate's invitation card updated to the new deadline."""
    cards = plan_manual_reminder(session, event, policy)
    chain = st.load_invitation(session, _payload_interview(event), awaiting=False)
    return cards + (_invitation_update(session, chain) if chain else [])
