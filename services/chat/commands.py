"""Chat commands to the bot (Chinese and English): parse untrusted text, answer from the cache.

`answer_message` is the one read service a chat message calls. Input is normalised, cut to a
maximum length and matched against a fixed vocabulary; user text is never echoed back. An
unknown sender gets a polite answer and no data. The org-event services (`link_org_user`,
`unlink_org_user`) live here too: they are the bot's other inbound use case.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.access.sessions import identify_person, revoke_user_sessions
from services.access.visibility import Viewer, application_scope, position_scope
from services.digests.preferences import notify_setting_reply
from services.ehr.local_changes import set_candidate_link
from services.errors import DomainError, Forbidden
from services.views.candidate import get_report_for_candidate, list_interviews_for_candidate
from services.views.position_stats import get_position_stats
from storage.action_models import Decision
from storage.db import unit_of_work
from storage.models import Application, Candidate, Position
from storage.scores import latest_application_scores
from storage.vocabulary import AWAITING_DECISION_STAGES

COMMANDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # (command, language, spellings); longest spellings first within a command
    ("interviews", "zh", ("我的面试", "面试")),
    ("interviews", "en", ("my interviews", "interviews", "my interview")),
    ("score", "zh", ("成绩", "分数", "得分")),
    ("score", "en", ("scores", "score", "result")),
    ("pending", "zh", ("待处理", "待办")),
    ("pending", "en", ("pending", "todo")),
    ("stats", "zh", ("统计",)),
    ("stats", "en", ("statistics", "stats")),
    # 设置 通知 逐条|汇总: an HR member's own choice of score notifications (issue 22)
    ("settings", "zh", ("设置",)),
    ("settings", "en", ("settings", "setting")),
    ("help", "zh", ("帮助", "菜单")),
    ("help", "en", ("help", "?", "menu")),
)
LIST_LIMIT = 10
_INVISIBLE = re.compile(r"[\u0000-\u001f\u007f\u200b-\u200f\u2028-\u202e\ufeff]")
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-!|>~<])")


@dataclass(frozen=True)
class Command:
    name: str  # interviews | score | pending | stats | help | unknown
    arg: str
    lang: str


@dataclass(frozen=True)
class Reply:
    title: str
    markdown: str


@dataclass(frozen=True)
class BotPolicy:
    miniapp_url: str
    score_parts: frozenset[str]
    max_chars: int
    score_notify_default: str = "digest"  # HR_SCORE_NOTIFY, what `设置 通知` reports when unset


def parse_command(text: str, *, max_chars: int) -> Command:
    """Match a chat message against the command vocabulary (never raises)."""
    cleaned = unicodedata.normalize("NFKC", _INVISIBLE.sub(" ", text or ""))[:max_chars]
    cleaned = " ".join(cleaned.split()).lstrip("/").strip()
    lowered = cleaned.lower()
    for name, lang, spellings in COMMANDS:
        for spelling in spellings:
            takes_arg = name in ("stats", "settings")
            if lowered == spelling or (takes_arg and lowered.startswith(spelling)):
                return Command(name, cleaned[len(spelling) :].strip()[:60], lang)
    lang = "en" if cleaned.isascii() and cleaned else "zh"
    return Command("unknown", "", lang)


def md(value: object) -> str:
    """Escape a value for a DingTalk markdown message."""
    return _MARKDOWN.sub(r"\\\1", " ".join(str(value).split()))[:200]


def _tr(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def _help(viewer: Viewer | None, lang: str) -> Reply:
    lines = [_tr(lang, "你可以发送：", "You can send:")]
    if viewer is not None and viewer.is_candidate:
        lines += [
            _tr(lang, "- 我的面试：查看你的面试", "- my interviews: your interviews"),
            _tr(lang, "- 成绩：最近一次 AI 面试成绩", "- score: your latest AI-interview result"),
        ]
    if viewer is not None and viewer.is_staff:
        lines += [
            _tr(lang, "- 待处理：等待你决定的候选人", "- pending: applications awaiting you"),
            _tr(lang, "- 统计 岗位名：岗位成绩概况", "- stats <position>: a position summary"),
            _tr(
                lang,
                "- 设置 通知 逐条|汇总：新成绩逐条推送，或按岗位汇总推送",
                "- settings notify each|digest: a card per new score, or a digest per position",
            ),
        ]
    lines.append(_tr(lang, "- 帮助：显示本说明", "- help: this list"))
    return Reply(_tr(lang, "帮助", "Help"), "\n".join(lines))


def _interviews(
    session: Session, viewer: Viewer, policy: BotPolicy, lang: str, now: datetime
) -> Reply:
    items = list_interviews_for_candidate(session, viewer, lang=lang, now=now)[:LIST_LIMIT]
    lines = [f"### {_tr(lang, '我的面试', 'My interviews')}"]
    for item in items:
        when = item.scheduled_at.strftime("%Y-%m-%d %H:%M") if item.scheduled_at else ""
        lines.append(
            f"- {md(item.position_title)} · {md(item.kind.label)} · {md(item.status.label)}"
            + (f" · {when}" if when else "")
            + f" · {md(item.next_step.label)}"
        )
    if not items:
        lines.append(_tr(lang, "暂无面试安排。", "No interviews yet."))
    lines.append(f"\n[{_tr(lang, '打开我的面试', 'Open My Interviews')}]({policy.miniapp_url})")
    return Reply(_tr(lang, "我的面试", "My interviews"), "\n".join(lines))


def _score(session: Session, viewer: Viewer, policy: BotPolicy, lang: str, now: datetime) -> Reply:
    items = list_interviews_for_candidate(session, viewer, lang=lang, now=now)
    scored = [i for i in items if i.result_available]
    title = _tr(lang, "面试成绩", "Interview result")
    if not scored:
        return Reply(title, _tr(lang, "暂无已发布的成绩。", "No published result yet."))
    report = get_report_for_candidate(
        session, viewer, scored[0].id, policy=policy.score_parts, lang=lang, now=now
    )
    lines = [f"### {md(report.interview.position_title)}"]
    if report.score is not None and report.score.overall is not None:
        lines.append(f"- {_tr(lang, '总分', 'Overall')}: {report.score.overall:g}")
    for dim in (report.score.dimensions if report.score else None) or ():
        lines.append(f"- {md(dim.label)}: {dim.score:g}/{dim.max_score:g}")
    feedback = getattr(report, "feedback", None)  # when the policy includes it (issue 21)
    if feedback is not None and feedback.work_on:
        lines.append(f"\n{_tr(lang, '可以提升的方面', 'What to work on')}:")
        lines += [f"- {md(line.text)}" for line in feedback.work_on]
    url = f"{policy.miniapp_url.rstrip('/')}/#/interviews/{report.interview.id}"
    lines.append(f"\n[{_tr(lang, '查看完整报告', 'Open the report')}]({url})")
    return Reply(title, "\n".join(lines))


def _pending(session: Session, viewer: Viewer, lang: str) -> Reply:
    # Each application's latest visible score, as the statistics and HR's list show it; pending
    # while no decision was made since it was published.
    latest = latest_application_scores(
        application_scope(session, viewer), Application.stage.in_(AWAITING_DECISION_STAGES)
    )
    decided = select(Decision.application_id).where(
        Decision.application_id == Application.id, Decision.created_at >= latest.c.published_at
    )
    rows = session.execute(
        select(Application.id, Candidate.name, Position.title, latest.c.overall)
        .join(latest, latest.c.application_id == Application.id)
        .join(Candidate, Candidate.id == Application.candidate_id)
        .join(Position, Position.id == Application.position_id)
        .where(~decided.exists())
        .order_by(latest.c.overall.desc(), Application.id)
        .limit(LIST_LIMIT)
    ).all()
    title = _tr(lang, "待处理", "Pending")
    if not rows:
        return Reply(title, _tr(lang, "没有等待你决定的候选人。", "Nothing is waiting for you."))
    lines = [f"### {title}"] + [
        f"- {md(name)} · {md(pos)} · {_tr(lang, '总分', 'overall')} {overall:g}"
        for _app, name, pos, overall in rows
    ]
    return Reply(title, "\n".join(lines))


def _stats(session: Session, viewer: Viewer, arg: str, lang: str, now: datetime) -> Reply:
    title = _tr(lang, "岗位统计", "Position summary")
    if not arg:
        return Reply(title, _tr(lang, "请发送：统计 岗位名", "Send: stats <position title>"))
    pattern = "%" + arg.replace("\\", "").replace("%", "").replace("_", "") + "%"
    positions = list(
        session.scalars(
            select(Position)
            .where(position_scope(session, viewer), Position.title.ilike(pattern))
            .order_by(Position.title)
            .limit(5)
        )
    )
    exact = [p for p in positions if p.title == arg]
    if len(exact) == 1 or len(positions) == 1:
        position = (exact or positions)[0]
    elif positions:
        names = "\n".join(f"- {md(p.title)}" for p in positions)
        return Reply(title, _tr(lang, "找到多个岗位：\n", "Several positions match:\n") + names)
    else:
        return Reply(
            title, _tr(lang, "没有找到你负责的该岗位。", "No such position in your scope.")
        )
    stats = get_position_stats(session, viewer, position.id, now=now)
    mean = f"{stats.mean:.1f}" if stats.mean is not None else "—"
    median = f"{stats.median:.1f}" if stats.median is not None else "—"
    rate = f"{stats.no_show_rate:.0%}" if stats.no_show_rate is not None else "—"
    lines = [
        f"### {md(position.title)}",
        f"- {_tr(lang, '申请数', 'Applications')}: {stats.applications}",
        f"- {_tr(lang, '已出成绩', 'Scored')}: {stats.count}",
        f"- {_tr(lang, '平均分 / 中位数', 'Mean / median')}: {mean} / {median}",
        f"- {_tr(lang, '未参加率', 'No-show rate')}: {rate}",
    ]
    return Reply(title, "\n".join(lines))


def _unknown_person(lang: str) -> Reply:
    return Reply(
        _tr(lang, "你好", "Hello"),
        _tr(
            lang,
            "你好！我是“我的面试”助手。暂时没有找到你的候选人或 HR 身份；如有疑问，请联系招聘 HR。",
            "Hello! I am the My Interviews assistant. I could not find you as a candidate or "
            "HR staff; please contact the recruiting team if you think this is wrong.",
        ),
    )


def answer_message(
    session: Session, *, user_id: str | None, text: str, policy: BotPolicy, now: datetime
) -> Reply:
    """Answer one chat message from `user_id` from the cache, within their visibility."""
    command = parse_command(text, max_chars=policy.max_chars)
    lang = command.lang
    try:
        if not user_id:
            raise Forbidden("no sender", code="unknown_person")
        viewer = identify_person(session, user_id, None, now=now)
    except Forbidden:
        return _unknown_person(lang)
    try:
        return _dispatch(session, viewer, command, policy, now)
    except DomainError:
        return Reply(_tr(lang, "提示", "Note"), _tr(lang, "暂时无法查询。", "Not available."))
    finally:
        session.rollback()


def _dispatch(
    session: Session, viewer: Viewer, command: Command, policy: BotPolicy, now: datetime
) -> Reply:
    lang = command.lang
    if command.name == "interviews" and viewer.is_candidate:
        return _interviews(session, viewer, policy, lang, now)
    if command.name == "score" and viewer.is_candidate:
        return _score(session, viewer, policy, lang, now)
    if command.name == "pending" and viewer.is_staff:
        return _pending(session, viewer, lang)
    if command.name == "stats" and viewer.is_staff:
        return _stats(session, viewer, command.arg, lang, now)
    if command.name == "settings" and viewer.is_staff and viewer.staff_id:
        title, text = notify_setting_reply(
            session,
            viewer.staff_id,
            command.arg,
            lang,
            now=now,
            default=policy.score_notify_default,
        )
        return Reply(title, text)
    return _help(viewer, lang)


def link_org_user(session: Session, user_id: str, mobile: str | None, *, now: datetime) -> bool:
    """A user joined the org: link them to a candidate by mobile; True when someone matched."""
    try:
        viewer = identify_person(session, user_id, mobile, now=now)
    except Forbidden:
        return False
    return viewer.is_candidate or viewer.is_staff


def unlink_org_user(session: Session, user_id: str, *, now: datetime) -> int:
    """A user left the org: forget links we made to them and end their mini-app sessions;
    return how many candidates were unlinked."""
    with unit_of_work(session):
        rows = list(
            session.scalars(select(Candidate).where(Candidate.linked_dingtalk_user_id == user_id))
        )
        for candidate in rows:
            set_candidate_link(
                session, candidate, None, now=now, reason="DingTalk user left the organisation"
            )
        # Whoever they were here (a linked candidate, one the EHR named, staff), a token issued
        # before they left must not outlive their membership: revoked in the same transaction.
        revoke_user_sessions(session, user_id, now=now, reason="left_org")
        return len(rows)
