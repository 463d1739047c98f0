"""The words of the invitation's cards, in the two card languages."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    "kind_ai": ("AI 面试", "AI interview"),
    "duration": ("约 {minutes} 分钟", "about {minutes} minutes"),
    "anywhere": (
        "随时随地，用手机或电脑打开链接即可",
        "From anywhere: open the link on your phone or computer",
    ),
    "requested": ("已向 HR 申请延期，请等待回复", "More time requested; HR will answer"),
    "extended": ("HR 已延长截止时间", "HR extended the deadline"),
    "kept": ("HR 保持原截止时间", "HR kept the deadline"),
    "notice_requested": ("已发送延期申请", "Your request was sent"),
    "notice_already_requested": ("已申请过延期", "You have already asked for more time"),
    "notice_closed": ("该面试已结束，无法申请延期", "This interview is over"),
}


def label(key: str, lang: str) -> str:
    zh, en = LABELS[key]
    return en if lang == "en" else zh


def more_time_label(state: str, lang: str) -> str:
    """The candidate card's line for how the request stands ("" when there is none)."""
    return label(state, lang) if state else ""
