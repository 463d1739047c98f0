"""Which rung of the escalation ladder is due for which unread candidate message.

A message that matters (ESCALATED_PURPOSES) and was delivered to a candidate climbs the ladder
of ESCALATION_LADDER while it stays unread and not acted on: each rung's delay counts from the
rung before (the first from the message), no rung goes out in quiet hours, and each is sent
once: it is claimed as a delivery under a key of its own before anything is sent, so it also
appears in the application's notification timeline. Services decide; jobs/escalation.py sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config import Settings
from config.settings_digest import parse_ladder
from services.clock.quiet_hours import WorkingHours, is_quiet, working_hours_from_settings
from services.escalation.reads import read_tracks
from services.notify.catalog import CARDS
from services.notify.recipients import hr_owner_recipients
from storage.action_models import Delivery
from storage.bgcheck_models import OnboardingNotice
from storage.db import unit_of_work
from storage.models import Application, Candidate, Interview, Position
from storage.offer_models import Offer
from storage.sync_models import OutboxEvent
from storage.vocabulary import CLOSED_STAGES

# The candidate messages worth chasing: the invitation and its deadline reminder, and (once
# those features send them) the offer and the onboarding notice.
OFFER_PURPOSES = ("offer_candidate", "offer_reminder")
ESCALATED_PURPOSES = ("invitation", "invite_reminder", *OFFER_PURPOSES, "onboarding_notice")
# A message older than this is not chased any more (its deadline has long passed).
LOOKBACK = timedelta(days=7)
ACTED_INTERVIEW_STATUSES = ("opened", "attended", "completed", "no_show", "cancelled")
CHANNEL_OF_STEP = {"ding": "ding", "sms": "sms", "todo": "todo"}


@dataclass(frozen=True)
class LadderRules:
    rungs: list[tuple[str, int]]  # (step, minutes after the rung before)
    hours: WorkingHours
    miniapp_url: str


def ladder_rules_from_settings(settings: Settings) -> LadderRules:
    return LadderRules(
        rungs=parse_ladder(settings.ESCALATION_LADDER),
        hours=working_hours_from_settings(settings),
        miniapp_url=settings.MINIAPP_URL,
    )


@dataclass(frozen=True)
class Rung:
    """One rung to send: a DING to the candidate, or a to-do for each HR owner."""

    parent_id: int
    step: str
    application_id: str | None
    recipient_kind: str  # candidate | staff
    recipient_id: str
    user_id: str
    title: str  # what the unread message is ("AI 面试邀请")
    candidate_name: str
    position: str
    url: str  # the application in the H5 app (to-dos)

    @property
    def dedupe_key(self) -> str:
        return f"escalation:{self.parent_id}:{self.step}:{self.recipient_id}"


def _keys(parent_id: int) -> str:
    return f"escalation:{parent_id}:"


def _acted(session: Session, message: Delivery) -> bool:
    """The candidate did what the message asked, or there is nothing left to ask."""
    application = (
        session.get(Application, message.application_id) if message.application_id else None
    )
    if application is None or application.deleted or application.stage in CLOSED_STAGES:
        return True
    if message.purpose in OFFER_PURPOSES:  # answered, expired or withdrawn: nothing to chase
        offer = session.scalar(select(Offer).where(Offer.application_id == application.id))
        return offer is None or offer.status != "sent"
    event = session.get(OutboxEvent, message.outbox_id) if message.outbox_id else None
    payload = (event.payload or {}) if event else {}
    if message.purpose == "onboarding_notice":  # read (我已知悉) or no longer sent
        notice = session.get(OnboardingNotice, str(payload.get("notice_id") or ""))
        return notice is None or notice.status != "notified" or notice.acknowledged_at is not None
    interview_id = (
        event.entity_id if event is not None and event.entity_kind == "interview" else None
    ) or payload.get("interview_id")
    interview = session.get(Interview, str(interview_id)) if interview_id else None
    return interview is not None and interview.status in ACTED_INTERVIEW_STATUSES


def _rungs_sent(session: Session, message: Delivery) -> list[Delivery]:
    return list(
        session.scalars(
            select(Delivery)
            .where(Delivery.dedupe_key.startswith(_keys(message.id), autoescape=True))
            .order_by(Delivery.id)
        )
    )


def candidate_messages(session: Session, *, now: datetime) -> list[Delivery]:
    """Sent candidate messages that matter, recent enough to chase."""
    return list(
        session.scalars(
            select(Delivery).where(
                Delivery.purpose.in_(ESCALATED_PURPOSES),
                Delivery.recipient_kind == "candidate",
                Delivery.operation == "create",
                Delivery.state == "sent",
                Delivery.created_at >= now - LOOKBACK,
            )
        )
    )


def _next_rung(
    session: Session, message: Delivery, rules: LadderRules, *, now: datetime
) -> list[Rung]:
    sent = _rungs_sent(session, message)
    done = list(dict.fromkeys(d.purpose.removeprefix("escalation_") for d in sent))
    if len(done) >= len(rules.rungs) or not message.dingtalk_user_id:
        return []
    step, minutes = rules.rungs[len(done)]
    since = sent[-1].created_at if sent else message.updated_at
    if now < since + timedelta(minutes=minutes) or is_quiet(now, rules.hours):
        return []
    application = session.get(Application, message.application_id or "")
    candidate = session.get(Candidate, message.recipient_id)
    position = session.get(Position, application.position_id) if application else None
    if application is None or candidate is None or position is None:
        return []
    kind = CARDS.get(message.purpose)

    def rung(recipient_kind: str, recipient_id: str, user_id: str) -> Rung:
        return Rung(
            parent_id=message.id,
            step=step,
            application_id=application.id,
            recipient_kind=recipient_kind,
            recipient_id=recipient_id,
            user_id=user_id,
            title=kind.title if kind else message.purpose,
            candidate_name=candidate.name,
            position=position.title,
            url=f"{rules.miniapp_url.rstrip('/')}/#/hr/applications/{application.id}",
        )

    if step != "todo":
        return [rung("candidate", candidate.id, message.dingtalk_user_id)]
    return [
        rung("staff", r.id, r.dingtalk_user_id)
        for r in hr_owner_recipients(session, position.id)
        if r.dingtalk_user_id
    ]


def due_rungs(session: Session, rules: LadderRules, *, now: datetime) -> list[Rung]:
    """Every rung due now for an unread, not-acted-on candidate message."""
    if not rules.rungs:
        return []
    messages = candidate_messages(session, now=now)
    read = read_tracks(
        session, [(m.out_track_id, m.dingtalk_user_id) for m in messages if m.dingtalk_user_id]
    )
    due: list[Rung] = []
    chased: set[str | None] = set()
    # One ladder per application at a time: the earliest unread message climbs (an unread
    # invitation and its unread reminder are one person to reach, not two).
    for message in sorted(messages, key=lambda m: (m.created_at, m.id)):
        if (message.out_track_id, message.dingtalk_user_id) in read or _acted(session, message):
            continue
        if message.application_id in chased:
            continue
        chased.add(message.application_id)
        due += _next_rung(session, message, rules, now=now)
    session.rollback()
    return due


def claim_rung(session: Session, rung: Rung, *, now: datetime) -> int | None:
    """Record the rung before it is sent (so it is sent once); None when it already was."""
    try:
        with unit_of_work(session):
            parent = session.get(Delivery, rung.parent_id)
            row = Delivery(
                outbox_id=parent.outbox_id if parent else None,
                application_id=rung.application_id,
                purpose=f"escalation_{rung.step}",
                recipient_kind=rung.recipient_kind,
                recipient_id=rung.recipient_id,
                dingtalk_user_id=rung.user_id,
                channel=CHANNEL_OF_STEP[rung.step],
                out_track_id=f"{parent.out_track_id if parent else 'x'}-{rung.step}"[:128],
                operation="create",
                dedupe_key=rung.dedupe_key,
                template=None,
                state="queued",
                attempts=1,
                created_at=now,
            )
            session.add(row)
            session.flush()
            return row.id
    except IntegrityError:
        return None


def dings_to_check(session: Session, *, now: datetime) -> list[tuple[str, str, str]]:
    """(message's outTrackId, user id, openDingId) of DINGs whose message is still unread."""
    rows = session.execute(
        select(Delivery.out_track_id, Delivery.dingtalk_user_id, Delivery.external_id).where(
            Delivery.purpose.in_(("escalation_ding", "escalation_sms")),
            Delivery.state == "sent",
            Delivery.external_id.is_not(None),
            Delivery.created_at >= now - LOOKBACK,
        )
    ).all()
    session.rollback()
    return [(track.rsplit("-", 1)[0], str(user), str(ding)) for track, user, ding in rows if user]


def ding_text(rung: Rung) -> str:
    """The DING's words: what is waiting, never a score or a number of anyone's."""
    return (
        f"【我的面试】您有一条“{rung.title}”（{rung.position}）尚未查看，"
        "请在钉钉中打开“我的面试”查看并处理。"
    )


def todo_texts(rung: Rung) -> tuple[str, str]:
    """The HR to-do's subject and description."""
    return (
        f"电话联系候选人 {rung.candidate_name}",
        f"“{rung.title}”（{rung.position}）发出后仍未读，DING 提醒后也未回应，请电话联系。",
    )


def notices_to_check(session: Session, *, now: datetime) -> list[tuple[str, str, int]]:
    """(outTrackId, user id, task id) of messages that matter sent as work notifications and not
    known to be read: DingTalk reports their read status (getsendresult's read_user_id_list)."""
    rows = session.execute(
        select(Delivery.out_track_id, Delivery.dingtalk_user_id, Delivery.external_id).where(
            Delivery.purpose.in_(ESCALATED_PURPOSES),
            Delivery.recipient_kind == "candidate",
            Delivery.channel == "work_notice",
            Delivery.state == "sent",
            Delivery.external_id.is_not(None),
            Delivery.created_at >= now - LOOKBACK,
        )
    ).all()
    pairs = [(str(t), str(u)) for t, u, _ in rows if u]
    read = read_tracks(session, pairs)
    session.rollback()
    return [
        (str(track), str(user), int(str(task)))
        for track, user, task in rows
        if user and str(task).isdigit() and (str(track), str(user)) not in read
    ]
