"""The score card: the candidate's and each HR owner's card when an AI-interview score lands.

Planned when a score is published or revised (one card per person and score, so a revision
updates the card in place); built at send time from the score as it is then, with the position's
score policy applied for HR's suggestion.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from cards import builders
from cards.builders import Card, Dimension, ScoreView
from cards.text import policy_reason
from services.decisions.policy import PolicyConfig, evaluate_policy
from services.digests.preferences import score_notify_modes
from services.digests.record import add_to_digests
from services.notify.base import PlannedCard, outbox_event_of
from services.notify.policy import NotifyPolicy
from services.notify.recipients import candidate_recipient, hr_owner_recipients
from storage.action_models import Delivery
from storage.models import Application, Candidate, Interview, Position, Score
from storage.sync_models import OutboxEvent
from storage.vocabulary import OUTBOX_SCORE_REVISED, VISIBLE_SCORE_STATUSES

HR_SCORE_PARTS = frozenset({"overall", "dimensions", "comments"})  # HR always see everything


@dataclass(frozen=True)
class ScoreChain:
    score: Score
    interview: Interview
    application: Application
    candidate: Candidate
    position: Position


def load_score_chain(session: Session, score_id: str) -> ScoreChain | None:
    """The score with its interview, application, candidate and position, if all are live."""
    score = session.get(Score, score_id)
    interview = session.get(Interview, score.interview_id) if score else None
    application = session.get(Application, interview.application_id) if interview else None
    if score is None or interview is None or application is None:
        return None
    candidate = session.get(Candidate, application.candidate_id)
    position = session.get(Position, application.position_id)
    rows = (score, interview, application, candidate, position)
    if candidate is None or position is None or any(row.deleted for row in rows if row):
        return None
    return ScoreChain(score, interview, application, candidate, position)


def plan_score(session: Session, event: OutboxEvent, policy: NotifyPolicy) -> list[PlannedCard]:
    """Plan the candidate's card of a published or revised score, and each HR owner's: a card
    of its own, or (HR reading digests) a line in their digest of the position."""
    chain = load_score_chain(session, event.entity_id)
    # Drafts never reach a notification, whatever the outbox says.
    if chain is None or chain.score.status not in VISIBLE_SCORE_STATUSES:
        return []
    key = f"score-{chain.score.id}"
    cards = [PlannedCard("score_candidate", candidate_recipient(chain.candidate), key)]
    owners = hr_owner_recipients(session, chain.position.id)
    modes = score_notify_modes(session, [r.id for r in owners], policy.hr_score_notify)
    add_to_digests(
        session,
        score_id=chain.score.id,
        application_id=chain.application.id,
        position_id=chain.position.id,
        staff=[r for r in owners if modes[r.id] == "digest"],
        landed_at=event.created_at,
        revised=event.kind == OUTBOX_SCORE_REVISED,
        policy=policy,
    )
    cards += [PlannedCard("score_hr", r, key) for r in owners if modes[r.id] == "each"]
    return cards


def _score_view(chain: ScoreChain, policy: NotifyPolicy, *, parts: frozenset[str]) -> ScoreView:
    score = chain.score
    return ScoreView(
        interview_id=chain.interview.id,
        candidate_name=chain.candidate.name,
        position=chain.position.title,
        overall=score.overall if "overall" in parts else None,
        dimensions=[Dimension(d.key, d.label, d.score, d.max_score) for d in score.dimensions]
        if "dimensions" in parts
        else [],
        comments=[(c.author, c.text) for c in score.comments] if "comments" in parts else [],
        report_url=policy.report_url(chain.interview.id),
    )


def _suggestion(session: Session, score: Score, policy: NotifyPolicy) -> tuple[str, str]:
    """The position's score policy (or the global one) applied to this score, with its reason."""
    defaults = PolicyConfig(
        advance_threshold=policy.advance_threshold, auto_reject=policy.auto_reject
    )
    outcome = evaluate_policy(session, score, now=datetime.now(UTC), defaults=defaults)
    return outcome.suggestion, policy_reason(outcome.explanation, policy.language)


def build_score_card(session: Session, delivery: Delivery, policy: NotifyPolicy) -> Card | None:
    """Build the candidate's or HR's score card from the score as it is now."""
    event = outbox_event_of(session, delivery)
    chain = load_score_chain(session, event.entity_id) if event else None
    if chain is None or chain.score.status not in VISIBLE_SCORE_STATUSES:
        return None
    lang = policy.language
    if delivery.purpose == "score_candidate":
        view = _score_view(chain, policy, parts=policy.candidate_score_parts)
        return builders.score_candidate(view, lang=lang, allow_http=policy.allow_http_links)
    view = replace(
        _score_view(chain, policy, parts=HR_SCORE_PARTS),
        report_url=policy.hr_report_url(chain.application.id),
    )
    suggestion, reason = _suggestion(session, chain.score, policy)
    return builders.score_hr(
        view,
        suggestion=suggestion,
        reason=reason,
        lang=lang,
        allow_http=policy.allow_http_links,
    )
