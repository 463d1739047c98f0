"""The interviewers' card and answer texts, in Chinese and English."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    "pass": ("通过", "Pass"),
    "hold": ("待定", "Hold"),
    "fail": ("不通过", "Fail"),
    "kind_video": ("视频面试", "Video interview"),
    "kind_onsite": ("现场面试", "Onsite interview"),
    "round": ("第 {round} 轮", "Round {round}"),
    "no_ai": ("暂无 AI 面试得分", "No AI interview score yet"),
    "reminder": ("提醒：你还没有提交面试反馈", "Reminder: your feedback is still missing"),
    "request": ("面试已结束，请提交反馈", "The round is over: please give your feedback"),
    "noted": (
        "已记录：{label}。请在表单中补充各维度评分",
        "Noted: {label}. Add ratings in the form",
    ),
    "noted_again": ("已记录过：{label}", "Already noted: {label}"),
    "not_yours": ("你不是这一轮的面试官", "You are not an interviewer of this round"),
    "not_started": ("面试尚未开始，开始后才能提交反馈", "The round has not started yet"),
    "cancelled": ("该轮面试已取消", "This round was cancelled"),
    "results_differ": ("面试官结论不一致", "The interviewers' results differ"),
    "far_from_ai": (
        "{name} 对「{dimension}」的评分（{rating}）与 AI 得分（{ai}）差距较大",
        "{name} rated {dimension} {rating}, far from the AI's {ai}",
    ),
    "no_disagreement": ("无明显分歧", "No notable disagreement"),
}


def label(key: str, lang: str, **fmt: object) -> str:
    zh, en = LABELS.get(key, (key, key))
    return (en if lang == "en" else zh).format(**fmt)
