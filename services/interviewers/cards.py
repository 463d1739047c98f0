"""The interviewers' cards: the briefing, the feedback request (and its one reminder), HR's
summary; and the planner that notices a round's last feedback.

Planners decide from the cache when the outbox row is handled; builders read it again at send
time, so a card is never built for a round cancelled or removed meanwhile.
services/notify/catalog.py names which outbox kind and card purpose each function handles.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from cards.builders import Card, fmt_score, fmt_time
from cards.links import escape_markdown, safe_url
from services.interviewers.feedback import record_completion
from services.interviewers.rounds import (
    RoundContext,
    ai_score,
    dimensions_of,
    latest_feedback,
    load_round,
    staff_names,
    weakest,
)
from services.interviewers.text import label
from services.notify.base import PlannedCard, outbox_event_of
from services.notify.policy import NotifyPolicy
from services.notify.recipients import Recipient, hr_owner_recipients
from storage.action_models import Delivery
from storage.models import Staff
from storage.sync_models import OutboxEvent

VALUE_CHARS = 300
# A rating this far from the AI's score (as a share of the maximum) is called out.
FAR_FROM_AI = 0.25


def _text(value: object) -> str:
    return "" if value is None else str(value)[:VALUE_CHARS]


def _interview_id(event: OutboxEvent | None) -> str:
    payload = (event.payload or {}) if event else {}
    return str(payload.get("interview_id") or (event.entity_id if event else ""))


def _interviewers(
    session: Session, ctx: RoundContext, only: set[str] | None = None
) -> list[Recipient]:
    ids = [i for i in ctx.interview.interviewer_ids if only is None or i in only]
    if not ids:
        return []
    rows = session.scalars(
        select(Staff).where(Staff.id.in_(ids), Staff.deleted.is_(false())).order_by(Staff.id)
    )
    return [Recipient("staff", s.id, s.dingtalk_user_id, s.name) for s in rows]


def _open_round(session: Session, event: OutboxEvent | None) -> RoundContext | None:
    ctx = load_round(session, _interview_id(event))
    if ctx is None or ctx.interview.status in ("cancelled", "no_show"):
        return None
    return ctx


def _version(event: OutboxEvent) -> str:
    return str((event.payload or {}).get("schedule_version") or event.entity_version or "")


def plan_briefing(session: Session, event: OutboxEvent, policy: NotifyPolicy) -> list[PlannedCard]:
    """Plan each assigned interviewer's briefing card (once per schedule version)."""
    ctx = _open_round(session, event)
    if ctx is None:
        return []
    key = f"briefing-{ctx.interview.id}-{_version(event)}"
    return [PlannedCard("interviewer_briefing", r, key) for r in _interviewers(session, ctx)]


def briefing_url(policy: NotifyPolicy, interview_id: str) -> str:
    return f"{policy.miniapp_url.rstrip('/')}/#/interviewer/interviews/{interview_id}"


def _round_facts(ctx: RoundContext, policy: NotifyPolicy) -> dict[str, str]:
    iv, lang = ctx.interview, policy.language
    place = iv.location or ""
    link = (
        safe_url(iv.meeting_url or "", "", allow_http=policy.allow_http_links)
        if iv.meeting_url
        else ""
    )
    return {
        "interview_id": iv.id,
        "candidate_name": _text(ctx.candidate.name),
        "position": _text(ctx.position.title),
        "round": label("round", lang, round=iv.round),
        "interview_kind": label(f"kind_{iv.kind}", lang),
        "time": fmt_time(iv.scheduled_at, lang),
        "duration": str(iv.duration_minutes or 60),
        "place": _text(place),
        "meeting_url": link,
        "briefing_url": safe_url(
            briefing_url(policy, iv.id), "", allow_http=policy.allow_http_links
        ),
    }


def _probe_markdown(session: Session, dims: list[dict[str, Any]]) -> str:
    lines = []
    for d in weakest(session, dims):
        lines.append(f"**{escape_markdown(d['label'])}** {fmt_score(d['score'])}")
        lines += [f"- {escape_markdown(q)}" for q in d["questions"]]
    return "\n".join(lines)


def build_briefing_card(session: Session, delivery: Delivery, policy: NotifyPolicy) -> Card | None:
    """Build the briefing from the round and the AI report as they are now."""
    ctx = _open_round(session, outbox_event_of(session, delivery))
    if ctx is None or ctx.interview.status != "scheduled":
        return None
    score = ai_score(session, ctx.application.id)
    dims = dimensions_of(score)
    shown = [{"name": d["label"], "score": fmt_score(d["score"])} for d in dims]
    data = {
        **_round_facts(ctx, policy),
        "overall": fmt_score(score.overall) if score else label("no_ai", policy.language),
        "dimensions": json.dumps(shown, ensure_ascii=False),
        "probe": _probe_markdown(session, dims),
    }
    return Card("interviewer_briefing", data)


def plan_feedback_request(
    session: Session, event: OutboxEvent, policy: NotifyPolicy
) -> list[PlannedCard]:
    """Plan the feedback request to each interviewer who has not answered yet."""
    ctx = _open_round(session, event)
    if ctx is None:
        return []
    missing = set(ctx.interview.interviewer_ids) - set(latest_feedback(session, ctx.interview.id))
    key = f"feedback-{ctx.interview.id}-{_version(event)}"
    return [PlannedCard("feedback_request", r, key) for r in _interviewers(session, ctx, missing)]


def plan_feedback_reminder(
    session: Session, event: OutboxEvent, policy: NotifyPolicy
) -> list[PlannedCard]:
    """Plan the one reminder to each interviewer still without feedback."""
    ctx = _open_round(session, event)
    if ctx is None:
        return []
    missing = set(ctx.interview.interviewer_ids) - set(latest_feedback(session, ctx.interview.id))
    key = f"feedback-reminder-{ctx.interview.id}-{_version(event)}"
    return [PlannedCard("feedback_reminder", r, key) for r in _interviewers(session, ctx, missing)]


def _feedback_card(
    session: Session, delivery: Delivery, policy: NotifyPolicy, headline: str
) -> Card | None:
    ctx = _open_round(session, outbox_event_of(session, delivery))
    if ctx is None:
        return None
    mine = latest_feedback(session, ctx.interview.id).get(delivery.recipient_id)
    lang = policy.language
    data = {
        **_round_facts(ctx, policy),
        "headline": label(headline, lang),
        "feedback": mine.result if mine else "",
        "feedback_label": label(mine.result, lang) if mine else "",
    }
    return Card("feedback_request", data)


def build_feedback_request_card(
    session: Session, delivery: Delivery, policy: NotifyPolicy
) -> Card | None:
    """Build the feedback request: Pass / Hold / Fail and the link to the form."""
    return _feedback_card(session, delivery, policy, "request")


def build_feedback_reminder_card(
    session: Session, delivery: Delivery, policy: NotifyPolicy
) -> Card | None:
    """Build the reminder: the feedback request's card, headed as a reminder."""
    return _feedback_card(session, delivery, policy, "reminder")


def plan_feedback_upserted(
    session: Session, event: OutboxEvent, policy: NotifyPolicy
) -> list[PlannedCard]:
    """A feedback landed (from the EHR or our own answer): is the round now complete?"""
    record_completion(session, _interview_id(event))
    return []


def plan_feedback_complete(
    session: Session, event: OutboxEvent, policy: NotifyPolicy
) -> list[PlannedCard]:
    """Plan HR's summary card to every HR owner of the position."""
    ctx = load_round(session, _interview_id(event))
    if ctx is None:
        return []
    key = f"feedback-summary-{ctx.interview.id}"
    return [
        PlannedCard("feedback_summary_hr", r, key)
        for r in hr_owner_recipients(session, ctx.position.id)
    ]


def disagreements(
    given: list[dict[str, Any]], ai: dict[str, dict[str, Any]], lang: str
) -> list[str]:
    """Results that differ, and ratings far from the AI's score of the same dimension."""
    found = []
    if len({g["result"] for g in given}) > 1:
        found.append(label("results_differ", lang))
    for g in given:
        for r in g["ratings"]:
            a = ai.get(r.get("key"))
            if a is None or not r.get("max_score") or not a["max_score"]:
                continue
            if abs(r["score"] / r["max_score"] - a["score"] / a["max_score"]) >= FAR_FROM_AI:
                found.append(
                    label(
                        "far_from_ai",
                        lang,
                        name=g["name"],
                        dimension=a["label"],
                        rating=f"{fmt_score(r['score'])}/{fmt_score(r['max_score'])}",
                        ai=f"{fmt_score(a['score'])}/{fmt_score(a['max_score'])}",
                    )
                )
    return found


def _summary_lines(given: list[dict[str, Any]], ai: dict[str, dict[str, Any]], lang: str) -> str:
    lines = []
    for g in given:
        lines.append(f"**{escape_markdown(g['name'])}**：{label(g['result'], lang)}")
        for r in g["ratings"]:
            a = ai.get(r.get("key"))
            beside = f"（AI {fmt_score(a['score'])}）" if a else ""
            name = escape_markdown(str(r.get("label") or r.get("key")))
            lines.append(f"- {name} {fmt_score(r['score'])}/{fmt_score(r['max_score'])}{beside}")
        if g["comment"]:
            lines.append(f"> {escape_markdown(g['comment'][:VALUE_CHARS])}")
    return "\n".join(lines)


def build_summary_card(session: Session, delivery: Delivery, policy: NotifyPolicy) -> Card | None:
    """Build HR's summary: each result, ratings beside the AI's, disagreements called out."""
    ctx = load_round(session, _interview_id(outbox_event_of(session, delivery)))
    if ctx is None:
        return None
    lang = policy.language
    rows = latest_feedback(session, ctx.interview.id)
    names = staff_names(session, list(rows))
    given = [
        {
            "name": names.get(s, s),
            "result": r.result,
            "ratings": list(r.ratings or []),
            "comment": r.comment,
        }
        for s, r in rows.items()
    ]
    ai = {d["key"]: d for d in dimensions_of(ai_score(session, ctx.application.id))}
    found = disagreements(given, ai, lang)
    facts = _round_facts(ctx, policy)
    data = {
        **{k: facts[k] for k in ("interview_id", "candidate_name", "position", "round", "time")},
        "application_id": ctx.application.id,
        "results": _summary_lines(given, ai, lang)[:900],
        "disagreements": "\n".join(f"- {escape_markdown(x)}" for x in found)[:900]
        or label("no_disagreement", lang),
        "has_disagreement": "true" if found else "",
        "report_url": safe_url(
            policy.hr_report_url(ctx.application.id), "", allow_http=policy.allow_http_links
        ),
        "decision": "",
        "decision_label": "",
        "decided_by": "",
    }
    return Card("feedback_summary_hr", data)
