"""The HR score digest card (issue 22): one card per HR member, position and window.

Pure: the data a digest shows in, the card's string parameters out (cards/templates/
score_digest_hr.json). Names come from the EHR and are escaped for the card's markdown.
"""

from __future__ import annotations

from dataclasses import dataclass

from cards.builders import Card, _clip, _link, fmt_score
from cards.links import escape_markdown
from cards.text import t

TOP_LINES = 5
# The states of the card's bulk action, which decide the buttons shown (one variable, since a
# button's visible_when names one): ready -> confirm -> running -> done; none: nothing to advance.
BULK_STATES = ("none", "ready", "confirm", "running", "done")

_WORDS = {
    "window": ("{start}–{end}", "{start}–{end}"),
    "line": ("{name} · {score} · {suggestion}", "{name} · {score} · {suggestion}"),
    "decided": ("（{label}）", " ({label})"),
    "revised": ("（分数已更新）", " (score revised)"),
    "confirm": ("确认推进以下 {n} 位建议推进的候选人？", "Advance the {n} suggested candidates?"),
    "running": ("正在推进 {n} 位候选人……", "Advancing {n} candidates…"),
    "done": ("已推进 {n} 人", "{n} advanced"),
    "already": ("{n} 人已由他人处理（{who}）", "{n} already decided by someone else ({who})"),
    "failed": ("{n} 人未能推进：{why}", "{n} not advanced: {why}"),
}


def _w(key: str, lang: str) -> str:
    zh, en = _WORDS[key]
    return en if lang == "en" else zh


@dataclass(frozen=True)
class DigestLine:
    candidate_name: str
    overall: float | None
    suggestion: str  # advance | reject | review
    revised: bool
    decided_label: str  # "" while undecided


@dataclass(frozen=True)
class BulkView:
    state: str  # BULK_STATES
    count: int  # how many the confirmation or the running bulk covers
    decided: int = 0
    already: int = 0
    already_by: tuple[str, ...] = ()
    failed: int = 0
    failed_reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class DigestView:
    position: str
    window: tuple[str, str]  # local "HH:MM" start and end
    landed: int
    revised: int
    suggest_advance: int
    suggest_reject: int
    open_suggested: int  # suggested advancing and still undecided: "Advance the N suggested"
    top: list[DigestLine]
    ranking_url: str
    bulk: BulkView


def _line(line: DigestLine, lang: str) -> str:
    text = _w("line", lang).format(
        name=escape_markdown(line.candidate_name),
        score=fmt_score(line.overall, lang),
        suggestion=t(f"suggest_{line.suggestion}", lang),
    )
    if line.revised:
        text += _w("revised", lang)
    if line.decided_label:
        text += _w("decided", lang).format(label=line.decided_label)
    return text


def bulk_text(bulk: BulkView, lang: str) -> str:
    if bulk.state == "confirm":
        return _w("confirm", lang).format(n=bulk.count)
    if bulk.state == "running":
        return _w("running", lang).format(n=bulk.count)
    if bulk.state != "done":
        return ""
    parts = [_w("done", lang).format(n=bulk.decided)]
    if bulk.already:
        who = "、".join(dict.fromkeys(bulk.already_by)) or "-"
        parts.append(_w("already", lang).format(n=bulk.already, who=who))
    if bulk.failed:
        why = "、".join(dict.fromkeys(bulk.failed_reasons))
        parts.append(_w("failed", lang).format(n=bulk.failed, why=why))
    return "；".join(parts) if lang != "en" else "; ".join(parts)


def score_digest_hr(view: DigestView, *, lang: str = "zh", allow_http: bool = False) -> Card:
    """The digest card's parameters (all strings, as DingTalk's cardParamMap wants)."""
    top = "\n".join(
        f"{i}. {_line(line, lang)}" for i, line in enumerate(view.top[:TOP_LINES], start=1)
    )
    data = {
        "position": view.position,
        "window": _w("window", lang).format(start=view.window[0], end=view.window[1]),
        "landed": str(view.landed),
        "revised": str(view.revised),
        "suggest_advance": str(view.suggest_advance),
        "suggest_reject": str(view.suggest_reject),
        "advance_n": str(view.open_suggested),
        "top": top,
        "ranking_url": _link(view.ranking_url, allow_http=allow_http),
        "bulk_state": view.bulk.state,
        "bulk_text": bulk_text(view.bulk, lang),
    }
    return Card("score_digest_hr", {key: _clip(value) for key, value in data.items()})
