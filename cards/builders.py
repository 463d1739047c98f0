"""Pure card builders: plain values and `now` in, the template name and string-only data out.

The card API requires every value to be a string (lists as JSON strings); builders guarantee it.
Template ids are resolved from settings by the caller, by template name.
Every link variable passes `cards.links.safe_url` (https only unless the caller allows http, as
development does) and EHR text in a markdown variable is escaped, because both come from the EHR
and a card renders them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from cards.links import escape_markdown, safe_url
from cards.text import t

CHINA = ZoneInfo("Asia/Shanghai")
VALUE_LIMIT = 1000  # DingTalk: a card parameter value is at most 1 KB


@dataclass(frozen=True)
class Card:
    template: str  # file name in cards/templates/ without .json
    data: dict[str, str]


@dataclass(frozen=True)
class Dimension:
    key: str
    label: str
    score: float
    max_score: float


@dataclass(frozen=True)
class ScoreView:
    """What a card may show of a score (already filtered by the visibility policy)."""

    interview_id: str
    candidate_name: str
    position: str
    overall: float | None
    dimensions: list[Dimension]
    comments: list[tuple[str, str]]  # (author, text)
    report_url: str


def fmt_score(value: float | None, lang: str = "zh") -> str:
    if value is None:
        return t("hidden", lang)
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def fmt_time(value: datetime | None, lang: str = "zh") -> str:
    if value is None:
        return t("not_set", lang)
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def _clip(value: str) -> str:
    encoded = value.encode("utf-8")
    if len(encoded) <= VALUE_LIMIT:
        return value
    return encoded[: VALUE_LIMIT - 3].decode("utf-8", errors="ignore") + "…"


def _strings(data: dict[str, object]) -> dict[str, str]:
    return {key: _clip("" if value is None else str(value)) for key, value in data.items()}


def _link(*candidates: str | None, allow_http: bool) -> str:
    """The first candidate allowed as a link button, or "" so that the button opens nothing."""
    # A link longer than a card value would be cut by _clip into a different, broken link.
    fitting = [url for url in candidates if url and len(url.encode("utf-8")) <= VALUE_LIMIT]
    return safe_url(*fitting, allow_http=allow_http)


def score_candidate(view: ScoreView, *, lang: str = "zh", allow_http: bool = False) -> Card:
    """ "Your AI interview result is ready", showing only what the policy allowed into `view`."""
    dims = [{"name": d.label, "score": fmt_score(d.score, lang)} for d in view.dimensions]
    # `comments` is a markdown variable: the EHR's authors and texts must show as typed.
    comments = "\n\n".join(
        f"**{escape_markdown(author)}**: {escape_markdown(text, multiline=True)}"
        for author, text in view.comments
    )
    return Card(
        "score_candidate",
        _strings(
            {
                "candidate_name": view.candidate_name,
                "position": view.position,
                "overall": fmt_score(view.overall, lang),
                "dimensions": json.dumps(dims, ensure_ascii=False),
                "comments": comments,
                "report_url": _link(view.report_url, allow_http=allow_http),
            }
        ),
    )


def score_hr(
    view: ScoreView, *, suggestion: str, reason: str, lang: str = "zh", allow_http: bool = False
) -> Card:
    """ "Score landed" for HR: overall, strongest and weakest dimension, the policy's suggestion.

    `reason` is card markdown as `cards.text.policy_reason` makes it (EHR labels escaped there).
    """
    ranked = sorted(view.dimensions, key=lambda d: d.score / (d.max_score or 100))
    strongest = f"{ranked[-1].label} {fmt_score(ranked[-1].score)}" if ranked else ""
    weakest = f"{ranked[0].label} {fmt_score(ranked[0].score)}" if ranked else ""
    return Card(
        "score_hr",
        _strings(
            {
                "interview_id": view.interview_id,
                "candidate_name": view.candidate_name,
                "position": view.position,
                "overall": fmt_score(view.overall, lang),
                "strongest": strongest,
                "weakest": weakest,
                "suggestion": t(f"suggest_{suggestion}", lang),
                "suggestion_reason": reason,
                "report_url": _link(view.report_url, allow_http=allow_http),
                # The H5 scheduling form of the next round (web/static/app/rounds.js).
                "schedule_url": _link(
                    f"{view.report_url}/schedule" if view.report_url else "", allow_http=allow_http
                ),
                "decision": "",
                "decision_label": "",
                "decided_by": "",
            }
        ),
    )


def decision_update(decision: str, decided_by: str, *, lang: str = "zh") -> dict[str, str]:
    """The card data that marks a decision on every copy of an HR card (merged by key)."""
    return _strings(
        {
            "decision": decision,
            "decision_label": t(f"decision_{decision}", lang),
            "decided_by": decided_by,
        }
    )


def invite_reminder(
    *,
    candidate_name: str,
    position: str,
    deadline: datetime | None,
    interview_url: str | None,
    fallback_url: str = "",
    lang: str = "zh",
    allow_http: bool = False,
) -> Card:
    """Remind a candidate of an interview; a refused EHR link falls back to `fallback_url`."""
    return Card(
        "invite_reminder",
        _strings(
            {
                "candidate_name": candidate_name,
                "position": position,
                "deadline": fmt_time(deadline, lang),
                "interview_url": _link(interview_url, fallback_url, allow_http=allow_http),
            }
        ),
    )


def not_attended_hr(
    *,
    interview_id: str,
    candidate_name: str,
    position: str,
    deadline: datetime | None,
    reminders_sent: int,
    lang: str = "zh",
) -> Card:
    return Card(
        "not_attended_hr",
        _strings(
            {
                "interview_id": interview_id,
                "candidate_name": candidate_name,
                "position": position,
                "deadline": fmt_time(deadline, lang),
                "reminders_sent": reminders_sent,
                "decision": "",
                "decision_label": "",
                "decided_by": "",
            }
        ),
    )


def no_show_alert(
    *,
    position: str,
    period: str,
    invited_count: int,
    no_show_count: int,
    names: list[str],
    dashboard_url: str,
    allow_http: bool = False,
) -> Card:
    return Card(
        "no_show_alert",
        _strings(
            {
                "position": position,
                "period": period,
                "invited_count": invited_count,
                "no_show_count": no_show_count,
                "names": "、".join(names),
                "dashboard_url": _link(dashboard_url, allow_http=allow_http),
            }
        ),
    )


def next_round(
    *,
    candidate_name: str,
    position: str,
    stage: str,
    contact_name: str,
    details_url: str,
    lang: str = "zh",
    allow_http: bool = False,
) -> Card:
    key = (
        f"next_step_{stage}" if stage in ("interview", "offer", "hired") else "next_step_interview"
    )
    return Card(
        "next_round",
        _strings(
            {
                "candidate_name": candidate_name,
                "position": position,
                "next_step": t(key, lang),
                "contact_name": contact_name,
                "details_url": _link(details_url, allow_http=allow_http),
            }
        ),
    )


def rejection_notice(
    *,
    candidate_name: str,
    position: str,
    text: str,
    details_url: str,
    allow_http: bool = False,
) -> Card:
    """The outcome for a rejected candidate; `text` is the company's own markdown, not EHR text."""
    return Card(
        "rejection_notice",
        _strings(
            {
                "candidate_name": candidate_name,
                "position": position,
                "next_step": text,
                "details_url": _link(details_url, allow_http=allow_http),
            }
        ),
    )


def requirement_todo(
    *,
    requirement_id: str,
    candidate_name: str,
    requirement: str,
    status: str,
    due: datetime | None,
    upload_url: str,
    lang: str = "zh",
    allow_http: bool = False,
) -> Card:
    return Card(
        "requirement_todo",
        _strings(
            {
                "requirement_id": requirement_id,
                "candidate_name": candidate_name,
                "requirement": requirement,
                "due": fmt_time(due, lang),
                "upload_url": _link(upload_url, allow_http=allow_http),
                "status": status,
                "status_label": t(f"status_{status}", lang) if status else "",
            }
        ),
    )


def requirement_review_hr(
    *,
    requirement_id: str,
    candidate_name: str,
    position: str,
    requirement: str,
    submitted_at: datetime | None,
    file_url: str,
    lang: str = "zh",
    allow_http: bool = False,
) -> Card:
    return Card(
        "requirement_review_hr",
        _strings(
            {
                "requirement_id": requirement_id,
                "candidate_name": candidate_name,
                "position": position,
                "requirement": requirement,
                "submitted_at": fmt_time(submitted_at, lang),
                "file_url": _link(file_url, allow_http=allow_http),
                "decision": "",
                "decision_label": "",
                "decided_by": "",
            }
        ),
    )
