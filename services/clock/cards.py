"""Cards of the clock: reminders, no-show alerts and gating requirements (planners + content).

Planners decide recipients from the cache as it is when the outbox row is handled; content reads
it again at send time, so a candidate who attended, or an interview cancelled, in between gets
nothing (the builder returns None). services/notify/catalog.py says which outbox kind and card
purpose each function handles; the reminder HR send from a card is in `clock.manual_reminder`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cards import builders
from cards.builders import Card
from services.clock.reminders import CANDIDATE_KINDS
from services.notify.base import PlannedCard, out_track_id, outbox_event_of
from services.notify.policy import NotifyPolicy
from services.notify.recipients import (
    Recipient,
    candidate_recipient,
    hr_owner_recipients,
    recruiting_manager_recipients,
)
from storage.action_models import Delivery, Reminder
from storage.models import Application, Candidate, Interview, Position, Requirement
from storage.sync_models import OutboxEvent
from storage.vocabulary import (
    AWAITING_ATTENDANCE_STATUSES,
    BLOCKING_REQUIREMENT_STATUSES,
    CLOSED_STAGES,
)


@dataclass(frozen=True)
class ReminderChain:
    reminder: Reminder
    interview: Interview
    application: Application
    candidate: Candidate
    position: Position


def load_reminder_chain(session: Session, reminder_id: int) -> ReminderChain | None:
    """The reminder with its interview, application, candidate and position, if still due."""
    reminder = session.get(Reminder, reminder_id)
    interview = session.get(Interview, reminder.interview_id) if reminder else None
    application = session.get(Application, interview.application_id) if interview else None
    if reminder is None or interview is None or application is None:
        return None
    candidate = session.get(Candidate, application.candidate_id)
    position = session.get(Position, application.position_id)
    if candidate is None or position is None or reminder.state != "sent":
        return None
    # Read again at fire and send time: attended, cancelled or withdrawn means nothing goes out.
    if interview.deleted or application.deleted or application.stage in CLOSED_STAGES:
        return None
    if interview.status not in AWAITING_ATTENDANCE_STATUSES:
        return None
    return ReminderChain(reminder, interview, application, candidate, position)


def plan_reminder(session: Session, event: OutboxEvent, policy: NotifyPolicy) -> list[PlannedCard]:
    """Plan a due reminder: the candidate's, or the not-attended card of every HR owner."""
    chain = load_reminder_chain(session, int(event.payload["reminder_id"]))
    if chain is None:
        return []
    r = chain.reminder
    key = f"reminder-{r.interview_id}-{r.schedule_version}-{r.kind}"
    if r.kind in CANDIDATE_KINDS:
        return [PlannedCard("invite_reminder", candidate_recipient(chain.candidate), key)]
    return [
        PlannedCard("not_attended_hr", recipient, key)
        for recipient in hr_owner_recipients(session, chain.position.id)
    ]


def _reminders_sent(session: Session, interview_id: str) -> int:
    return int(
        session.scalar(
            select(func.count(Reminder.id)).where(
                Reminder.interview_id == interview_id,
                Reminder.kind.in_(CANDIDATE_KINDS),
                Reminder.state == "sent",
            )
        )
        or 0
    )


def invite_reminder_card(
    interview: Interview, candidate: Candidate, position: Position, policy: NotifyPolicy
) -> Card:
    """The candidate's reminder to take the interview, with the deadline as it is now."""
    return builders.invite_reminder(
        candidate_name=candidate.name,
        position=position.title,
        deadline=interview.deadline_at,
        # An EHR link the allow-list refuses (javascript:...) gives way to our own page.
        interview_url=interview.invitation_url,
        fallback_url=policy.report_url(interview.id),
        lang=policy.language,
        allow_http=policy.allow_http_links,
    )


def build_reminder_card(session: Session, delivery: Delivery, policy: NotifyPolicy) -> Card | None:
    """Build a due reminder's card, unless the interview was attended or closed meanwhile."""
    event = outbox_event_of(session, delivery)
    chain = load_reminder_chain(session, int(event.payload["reminder_id"])) if event else None
    if chain is None:
        return None
    interview = chain.interview
    if delivery.purpose == "invite_reminder":
        return invite_reminder_card(interview, chain.candidate, chain.position, policy)
    return builders.not_attended_hr(
        interview_id=interview.id,
        candidate_name=chain.candidate.name,
        position=chain.position.title,
        deadline=interview.deadline_at,
        reminders_sent=_reminders_sent(session, interview.id),
        lang=policy.language,
    )


def plan_no_show_alert(
    session: Session, event: OutboxEvent, policy: NotifyPolicy
) -> list[PlannedCard]:
    """Plan a position's no-show alert for its recruiting managers and HR owners, once each."""
    position = session.get(Position, event.entity_id)
    if position is None or position.deleted:
        return []
    recipients = {r.id: r for r in recruiting_manager_recipients(session, position)}
    recipients.update({r.id: r for r in hr_owner_recipients(session, position.id)})
    key = f"noshow-{event.id}"
    return [PlannedCard("no_show_alert", r, key) for _, r in sorted(recipients.items())]


def build_no_show_card(session: Session, delivery: Delivery, policy: NotifyPolicy) -> Card | None:
    """Build the no-show alert: the batch's counts and who did not show up."""
    event = outbox_event_of(session, delivery)
    position = session.get(Position, event.entity_id) if event else None
    if event is None or position is None:
        return None
    payload = event.payload
    ids = list(payload.get("no_show_interview_ids") or [])
    names = session.scalars(
        select(Candidate.name)
        .join(Application, Application.candidate_id == Candidate.id)
        .join(Interview, Interview.application_id == Application.id)
        .where(Interview.id.in_(ids))
        .order_by(Interview.deadline_at, Interview.id)
    ).all()
    batch = str(payload.get("batch") or "")
    return builders.no_show_alert(
        position=position.title,
        period=f"批次 {batch}" if batch else "本批次",
        invited_count=int(payload["past_deadline"]),
        no_show_count=int(payload["no_shows"]),
        names=list(names),
        dashboard_url=f"{policy.miniapp_url.rstrip('/')}/#/hr/positions/{position.id}",
        allow_http=policy.allow_http_links,
    )


def requirement_id(application_id: str, key: str) -> str:
    """The id card callbacks carry for a requirement: `<application id>:<requirement key>`."""
    return f"{application_id}:{key}"


def _card_was_sent(session: Session, card_key: str, recipient_kind: str, rid: str) -> bool:
    track = out_track_id(card_key, Recipient(recipient_kind, rid, None, ""))
    return bool(
        session.scalar(
            select(Delivery.id)
            .where(Delivery.out_track_id == track, Delivery.state == "sent")
            .limit(1)
        )
    )


def plan_requirement(
    session: Session, event: OutboxEvent, policy: NotifyPolicy
) -> list[PlannedCard]:
    """Plan the candidate's to-do card of a requirement and, once submitted, HR's review card."""
    payload = event.payload
    key = str(payload["requirement_key"])
    application = session.get(Application, event.entity_id)
    requirement = session.get(Requirement, (event.entity_id, key))
    if application is None or requirement is None or application.deleted:
        return []
    candidate = session.get(Candidate, application.candidate_id)
    if candidate is None or application.stage in CLOSED_STAGES:
        return []
    status = str((payload.get("after") or {}).get("status") or requirement.status)
    todo_key = f"req-{application.id}-{key}"
    cards: list[PlannedCard] = []
    # One to-do card per requirement, created while something is to do (what blocks Advance is
    # the candidate's to do) and updated after.
    to_do = status in BLOCKING_REQUIREMENT_STATUSES
    if to_do or _card_was_sent(session, todo_key, "candidate", candidate.id):
        cards.append(PlannedCard("requirement_todo", candidate_recipient(candidate), todo_key))
    if status == "submitted":
        review_key = f"req-review-{application.id}-{key}-v{event.entity_version or 0}"
        cards += [
            PlannedCard("requirement_review_hr", r, review_key)
            for r in hr_owner_recipients(session, application.position_id)
        ]
    return cards


def build_requirement_card(
    session: Session, delivery: Delivery, policy: NotifyPolicy
) -> Card | None:
    """Build the requirement's to-do or review card from its status as it is now."""
    event = outbox_event_of(session, delivery)
    if event is None:
        return None
    key = str(event.payload["requirement_key"])
    application = session.get(Application, event.entity_id)
    requirement = session.get(Requirement, (event.entity_id, key))
    candidate = session.get(Candidate, application.candidate_id) if application else None
    if application is None or requirement is None or candidate is None:
        return None
    base = policy.miniapp_url.rstrip("/")
    rid = requirement_id(application.id, key)
    if delivery.purpose == "requirement_todo":
        card = builders.requirement_todo(
            requirement_id=rid,
            candidate_name=candidate.name,
            requirement=requirement.label,
            status=requirement.status,
            due=None,
            upload_url=f"{base}/#/applications/{application.id}/requirements/{key}",
            lang=policy.language,
            allow_http=policy.allow_http_links,
        )
        # The template shows its upload buttons for status "" (to do), which the builder cannot
        # label; keep its "missing" label and blank the status the template tests.
        if requirement.status == "missing":
            return Card(card.template, {**card.data, "status": ""})
        return card
    if requirement.status != "submitted":
        return None  # reviewed meanwhile (or withdrawn): nothing left to review
    position = session.get(Position, application.position_id)
    return builders.requirement_review_hr(
        requirement_id=rid,
        candidate_name=candidate.name,
        position=position.title if position else "",
        requirement=requirement.label,
        submitted_at=event.created_at,
        file_url=f"{base}/#/hr/applications/{application.id}",
        lang=policy.language,
        allow_http=policy.allow_http_links,
    )
