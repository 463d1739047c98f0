"""What a digest card shows, read at send time from the cache as it is then.

Counts cover the window's scores; the suggestion is the position's score policy applied to each
(as on a single score card); "Advance the N suggested" counts those suggested advancing that no
one has decided since their score was published.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from cards.builders import Card
from cards.digest import BulkView, DigestLine, DigestView, score_digest_hr
from cards.text import t
from services.decisions.decide import blocking_requirements
from services.decisions.policy import PolicyConfig, evaluate, get_effective_policy
from services.notify.policy import NotifyPolicy
from storage.action_models import Decision, Delivery
from storage.attention_models import BulkDecision, ScoreDigest, ScoreDigestItem
from storage.models import Application, Candidate, Interview, Position, Score
from storage.vocabulary import AWAITING_DECISION_STAGES, VISIBLE_SCORE_STATUSES


@dataclass(frozen=True)
class Entry:
    application_id: str
    line: DigestLine
    suggestion: str
    open: bool  # no decision since the score was published, and the stage awaits one


def _latest_decisions(session: Session, application_ids: list[str]) -> dict[str, Decision]:
    """Each application's latest decision (one query)."""
    latest = (
        select(Decision.application_id, func.max(Decision.sequence).label("seq"))
        .where(Decision.application_id.in_(application_ids))
        .group_by(Decision.application_id)
        .subquery()
    )
    rows = session.scalars(
        select(Decision).join(
            latest,
            (latest.c.application_id == Decision.application_id)
            & (latest.c.seq == Decision.sequence),
        )
    )
    return {d.application_id: d for d in rows}


def digest_entries(session: Session, digest: ScoreDigest, policy: NotifyPolicy) -> list[Entry]:
    """The window's scores that are still visible, best first.

    A handful of queries whatever the size of the window (a batch of 500 scores is one card):
    the items with their score, application and candidate in one, dimensions and requirements
    by selectin, the position's policy once, the latest decisions in one.
    """
    defaults = PolicyConfig(
        advance_threshold=policy.advance_threshold, auto_reject=policy.auto_reject
    )
    rows = session.execute(
        select(ScoreDigestItem.revised, Score, Application, Candidate.name)
        .join(Score, Score.id == ScoreDigestItem.score_id)
        .join(Interview, Interview.id == Score.interview_id)
        .join(Application, Application.id == Interview.application_id)
        .join(Candidate, Candidate.id == Application.candidate_id)
        .where(
            ScoreDigestItem.digest_id == digest.id,
            Score.status.in_(VISIBLE_SCORE_STATUSES),
            Score.deleted.is_(False),
            Interview.deleted.is_(False),
            Application.deleted.is_(False),
            Candidate.deleted.is_(False),
        )
        .options(selectinload(Score.dimensions), selectinload(Application.requirements))
    ).all()
    rules = get_effective_policy(session, digest.position_id, defaults=defaults)
    decided = _latest_decisions(session, [app.id for _, _, app, _ in rows])
    now = datetime.now(UTC)
    entries = []
    for revised, score, application, name in rows:
        pending = blocking_requirements(application)
        outcome = evaluate(rules, score, pending=pending, now=now)
        since = score.published_at or score.updated_at
        last = decided.get(application.id)
        decision = last if last is not None and last.created_at >= since else None
        is_open = decision is None and application.stage in AWAITING_DECISION_STAGES
        label = t(f"decision_{decision.decision}", policy.language) if decision else ""
        line = DigestLine(name, score.overall, outcome.suggestion, revised, label)
        entries.append(Entry(application.id, line, outcome.suggestion, is_open))
    entries.sort(key=lambda e: (-(e.line.overall or 0), e.application_id))
    return entries


def suggested_open(entries: list[Entry]) -> list[str]:
    """The applications "Advance the N suggested" would decide."""
    return [e.application_id for e in entries if e.suggestion == "advance" and e.open]


def bulk_view(session: Session, digest: ScoreDigest, n_open: int) -> BulkView:
    """Where the card's "Advance the N suggested" stands (N = `n_open` when not asked yet)."""
    bulk = session.get(BulkDecision, digest.bulk_id) if digest.bulk_id else None
    if bulk is not None and bulk.state != "done":
        return BulkView("running", len(bulk.application_ids))
    if bulk is not None:
        result = bulk.result or {}
        already, failed = result.get("already", []), result.get("failed", [])
        return BulkView(
            "done",
            len(bulk.application_ids),
            decided=len(result.get("decided", [])),
            already=len(already),
            already_by=tuple(str(a.get("by") or "") for a in already if a.get("by")),
            failed=len(failed),
            failed_reasons=tuple(str(f.get("reason")) for f in failed),
        )
    if digest.confirm_ids:
        return BulkView("confirm", len(digest.confirm_ids))
    return BulkView("ready" if n_open else "none", n_open)


def _local_hhmm(moment: datetime, policy: NotifyPolicy) -> str:
    tz = policy.working_hours.tz if policy.working_hours else UTC
    return moment.astimezone(tz).strftime("%H:%M")


def digest_view(session: Session, digest: ScoreDigest, policy: NotifyPolicy) -> DigestView:
    entries = digest_entries(session, digest, policy)
    position = session.get(Position, digest.position_id)
    n_open = len(suggested_open(entries))
    return DigestView(
        position=position.title if position else digest.position_id,
        window=(_local_hhmm(digest.window_start, policy), _local_hhmm(digest.window_end, policy)),
        landed=len(entries),
        revised=sum(1 for e in entries if e.line.revised),
        suggest_advance=sum(1 for e in entries if e.suggestion == "advance"),
        suggest_reject=sum(1 for e in entries if e.suggestion == "reject"),
        open_suggested=n_open,
        top=[e.line for e in entries],
        ranking_url=policy.ranking_url(
            digest.position_id, digest.window_start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        ),
        bulk=bulk_view(session, digest, n_open),
    )


def build_digest_card(session: Session, delivery: Delivery, policy: NotifyPolicy) -> Card | None:
    """The digest card of a push (services/notify/catalog.py's builder of score_digest_hr)."""
    digest = session.scalar(
        select(ScoreDigest).where(ScoreDigest.out_track_id == delivery.out_track_id)
    )
    if digest is None:
        return None
    view = digest_view(session, digest, policy)
    if view.landed == 0:
        return None  # every score of the window was withdrawn: nothing to show
    return score_digest_hr(view, lang=policy.language, allow_http=policy.allow_http_links)
