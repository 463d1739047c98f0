"""The rounds' cards: the candidate's round card, "moved / cancelled" to the candidate and the
interviewers, and HR's "the candidate asks for another time".

Planners decide from the cache when the outbox row is handled; builders read it again at send
time. The candidate's round card is keyed by interview and schedule version, so the round
scheduled from DingTalk and the EHR's later event for the same schedule are one card.
services/notify/catalog.py names which outbox kind and card purpose each function handles.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from cards.builders import Card, fmt_time
from cards.links import safe_url
from services.notify.base import PlannedCard, outbox_event_of
from services.notify.policy import NotifyPolicy
from services.notify.recipients import Recipient, candidate_recipient, hr_owner_recipients
from services.rounds import state as st
from storage.action_models import Delivery
from storage.sync_models import OutboxEvent

VALUE_CHARS = 300  # well inside DingTalk's 1 KB per card value
TEXT = {
    "zh": {"video": "视频面试", "onsite": "现场面试", "confirmed": "你已确认参加",
           "reschedule_requested": "你已申请更换时间，HR 会联系你", "moved": "面试时间已调整",
           "cancelled": "面试已取消", "minutes": "{n} 分钟"},
    "en": {"video": "Video interview", "onsite": "Onsite interview",
           "confirmed": "You confirmed", "reschedule_requested": "You asked for another time",
           "moved": "The round was moved", "cancelled": "The round was cancelled",
           "minutes": "{n} min"},
}  # fmt: skip


def _t(key: str, lang: str) -> str:
    return TEXT.get(lang, TEXT["zh"])[key]


def _text(value: object) -> str:
    return "" if value is None else str(value)[:VALUE_CHARS]


def round_key(chain: st.RoundChain) -> str:
    return f"round-{chain.interview.id}-{st.round_version(chain.interview)}"


def _interview_id(event: OutboxEvent | None) -> str:
    payload = (event.payload or {}) if event else {}
    return str(payload.get("interview_id") or (event.entity_id if event else ""))


def _staff_recipients(chain: st.RoundChain) -> list[Recipient]:
    return [Recipient("staff", s.id, s.dingtalk_user_id, s.name) for s in chain.interviewers]


def round_fields(chain: st.RoundChain, policy: NotifyPolicy) -> dict[str, str]:
    """Time, length, place or link, and interviewers' names, as every round card shows them."""
    interview, lang = chain.interview, policy.language
    link = safe_url(interview.meeting_url, "", allow_http=policy.allow_http_links)
    return {
        "interview_id": interview.id,
        "candidate_name": _text(chain.candidate.name),
        "position": _text(chain.position.title),
        "round": str(interview.round),
        "round_kind": _t(interview.kind, lang),
        "scheduled_at": fmt_time(interview.scheduled_at, lang),
        "duration": _t("minutes", lang).format(n=interview.duration_minutes or st.DEFAULT_MINUTES),
        "location": _text(interview.location),
        "meeting_url": link,
        "interviewers": _text("、".join(s.name for s in chain.interviewers)),
    }


def plan_round_scheduled(
    session: Session, event: OutboxEvent, policy: NotifyPolicy
) -> list[PlannedCard]:
    """The candidate's round card, once per round and schedule (Confirm / another time)."""
    chain = st.load_round(session, _interview_id(event))
    if chain is None or chain.interview.status != "scheduled":
        return []
    return [PlannedCard("round_scheduled", candidate_recipient(chain.candidate), round_key(chain))]


def build_round_card(session: Session, delivery: Delivery, policy: NotifyPolicy) -> Card | None:
    """The round as it is now, with the candidate's answer to this schedule."""
    chain = st.load_round(session, _interview_id(outbox_event_of(session, delivery)))
    if chain is None or chain.interview.status != "scheduled":
        return None
    response = st.response_of(session, chain.interview)
    answer = response.response if response else ""
    data = round_fields(chain, policy)
    data.update(response=answer, response_label=_t(answer, policy.language) if answer else "")
    return Card("round_scheduled", data)


def plan_round_changed(
    session: Session, event: OutboxEvent, policy: NotifyPolicy
) -> list[PlannedCard]:
    """A moved or cancelled round: the candidate and every interviewer hear it (AI interviews
    keep today's behaviour: the clock follows their new deadline)."""
    chain = st.load_round(session, _interview_id(event))
    if chain is None:
        return []
    key = f"round-changed-{event.id}"
    people = [candidate_recipient(chain.candidate), *_staff_recipients(chain)]
    return [PlannedCard("round_changed", r, key) for r in people]


def build_changed_card(session: Session, delivery: Delivery, policy: NotifyPolicy) -> Card | None:
    """What changed: the new time and place, or the cancellation and its reason."""
    chain = st.load_round(session, _interview_id(outbox_event_of(session, delivery)))
    if chain is None:
        return None
    cancelled = chain.interview.status == "cancelled"
    data = round_fields(chain, policy)
    data.update(
        change="cancelled" if cancelled else "moved",
        change_label=_t("cancelled" if cancelled else "moved", policy.language),
        cancel_reason=_text(chain.interview.cancel_reason) if cancelled else "",
    )
    return Card("round_changed", data)


def plan_reschedule_request(
    session: Session, event: OutboxEvent, policy: NotifyPolicy
) -> list[PlannedCard]:
    """HR owners of the position get the candidate's request with the note."""
    chain = st.load_round(session, _interview_id(event))
    if chain is None:
        return []
    key = f"reschedule-request-{event.id}"
    owners = hr_owner_recipients(session, chain.position.id)
    return [PlannedCard("reschedule_request_hr", r, key) for r in owners]


def build_reschedule_request_card(
    session: Session, delivery: Delivery, policy: NotifyPolicy
) -> Card | None:
    """HR's card: who asks, for which round, their note, and the scheduling page."""
    event = outbox_event_of(session, delivery)
    chain = st.load_round(session, _interview_id(event))
    if event is None or chain is None:
        return None
    page = f"{policy.hr_report_url(chain.application.id)}/schedule"
    data = round_fields(chain, policy)
    data.update(
        note=_text((event.payload or {}).get("note")),
        schedule_url=safe_url(page, "", allow_http=policy.allow_http_links),
        decision="",
        decision_label="",
        decided_by="",
    )
    return Card("reschedule_request_hr", data)
