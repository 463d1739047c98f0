"""User-facing words of the cards, Chinese by default and English by setting."""

from __future__ import annotations

from typing import Any

from cards.links import escape_markdown

TEXT: dict[str, dict[str, str]] = {
    "suggest_advance": {"zh": "建议推进", "en": "Suggest advancing"},
    "suggest_reject": {"zh": "建议淘汰", "en": "Suggest rejecting"},
    "suggest_review": {"zh": "请人工评估", "en": "Review manually"},
    "decision_advance": {"zh": "已推进", "en": "Advanced"},
    "decision_reject": {"zh": "已淘汰", "en": "Rejected"},
    "decision_hold": {"zh": "已待定", "en": "On hold"},
    "decision_withdraw": {"zh": "已标记放弃", "en": "Marked withdrawn"},
    "decision_remind": {"zh": "已再次提醒", "en": "Reminded again"},
    "decision_extend": {"zh": "已延期 24 小时", "en": "Extended by 24 h"},
    "decision_approve": {"zh": "已通过", "en": "Approved"},
    "no_comments": {"zh": "暂无评语", "en": "No comments"},
    "hidden": {"zh": "—", "en": "—"},
    "not_set": {"zh": "未设置", "en": "not set"},
    "next_step_interview": {
        "zh": "进入下一轮面试，HR 将与你联系安排时间",
        "en": "You advance to the next interview; HR will contact you",
    },
    "next_step_offer": {"zh": "进入录用沟通环节", "en": "You advance to the offer stage"},
    "next_step_hired": {"zh": "恭喜你已被录用", "en": "Congratulations, you are hired"},
    "status_missing": {"zh": "待提交", "en": "To submit"},
    "status_submitted": {"zh": "已提交，待审核", "en": "Submitted, under review"},
    "status_approved": {"zh": "已通过", "en": "Approved"},
    "status_rejected": {"zh": "未通过，请重新提交", "en": "Rejected, please resubmit"},
}


def t(key: str, lang: str) -> str:
    """The text for `key` in `lang` (zh or en), falling back to Chinese."""
    entry = TEXT[key]
    return entry.get(lang) or entry["zh"]


def _num(value: object) -> str:
    return f"{float(value):g}" if isinstance(value, int | float) else escape_markdown(value)


def policy_reason(explanation: dict[str, Any], lang: str) -> str:
    """The score policy's reason for its suggestion in the card's language, from its explanation.

    The result is card markdown: the EHR's dimension and requirement labels in it are escaped,
    so a label such as `[点我](javascript:alert(1))` shows as typed instead of becoming a link.
    """
    zh = lang != "en"
    overall = _num(explanation.get("values", {}).get("overall"))
    threshold = _num(explanation.get("threshold"))
    if explanation.get("rule") == "dimension_minimum":
        below = "低于" if zh else "<"
        parts = [
            f"{escape_markdown(v['label'])} {_num(v['value'])} {below} {_num(v['minimum'])}"
            for v in explanation.get("violations", [])
        ]
        text = ("；" if zh else "; ").join(parts)
    elif explanation.get("suggestion") == "advance":
        text = f"{'总分' if zh else 'overall'} {overall} ≥ {threshold}"
        blocked = [escape_markdown(name) for name in explanation.get("blocked_by", [])]
        if blocked and zh:
            text += "；需先审核通过：" + "、".join(blocked)
        elif blocked:
            text += "; advance blocked until approved: " + ", ".join(blocked)
    else:
        text = f"{'总分' if zh else 'overall'} {overall} < {threshold}"
    policy = explanation.get("policy", {})
    version = policy.get("version")
    if policy.get("scope") in (None, "global", "default"):
        label = "默认策略" if zh else "default policy"
    else:
        label = "岗位策略" if zh else "position policy"
    return f"{text}（{label} v{version}）" if zh else f"{text} ({label} v{version})"
