"""The HR review card's buttons: Pass, Fail, Ask the candidate. Database-only and fast, like
every card click; race-safe in services/bgcheck/decide.py (the first decision wins, a later
click on any copy is told who decided)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.bgcheck.decide import LABELS, decide_check
from services.card_actions.click import CardActionResult, Click, label
from services.errors import Conflict


def _answer(session: Session, click: Click, answer: str) -> CardActionResult:
    try:
        result = decide_check(session, click.viewer, click.application_id, answer, now=click.now)
    except Conflict as exc:
        session.rollback()
        return CardActionResult("refused", {}, {"notice": exc.message}, exc.message)
    text = LABELS[result.decision]
    decision = "" if result.decision == "ask" else result.decision
    data = {"decision": decision, "decision_label": text, "decided_by": result.decided_by}
    key = {"done": "notice_done", "duplicate": "notice_duplicate"}.get(
        result.outcome, "notice_already"
    )
    notice = label(key, click.lang).format(label=text, name=result.decided_by)
    return CardActionResult(result.outcome, data, {"notice": notice}, notice)


def pass_on_card(session: Session, click: Click) -> CardActionResult:
    return _answer(session, click, "pass")


def fail_on_card(session: Session, click: Click) -> CardActionResult:
    return _answer(session, click, "fail")


def ask_on_card(session: Session, click: Click) -> CardActionResult:
    return _answer(session, click, "ask")
