"""The HR owners' Confirm on "入职安排待确认": the proposed date and place are confirmed and the
notice goes out (race-safe in services/onboarding/notice.py: a second confirmation on any copy
is told who sent it)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.card_actions.click import CardActionResult, Click, label
from services.errors import InvalidInput
from services.onboarding.notice import confirm_onboarding

SENT = "已发送入职通知"


def confirm_on_card(session: Session, click: Click) -> CardActionResult:
    try:
        result = confirm_onboarding(
            session,
            click.viewer,
            click.application_id,
            join_date=None,
            location=None,
            now=click.now,
        )
    except InvalidInput as exc:  # no date yet, or in the past: the H5 page sets it
        session.rollback()
        text = f"{exc.message}（请点「调整」设置）"
        return CardActionResult("refused", {}, {"notice": text}, text)
    data = {"decision": "confirmed", "decision_label": SENT, "decided_by": result.confirmed_by}
    key = "notice_done" if result.outcome == "done" else "notice_already"
    notice = label(key, click.lang).format(label=SENT, name=result.confirmed_by)
    return CardActionResult(result.outcome, data, {"notice": notice}, notice)
