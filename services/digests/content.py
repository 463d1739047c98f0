"""What a digest card shows, read at send time from the cache as it is then.

Counts cover the window's scores; the suggestion is the position's score policy applied to each
(as on a single score card); "Advance the N suggested" counts those suggested advancing that no
one has decided since their score was published.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cards.builders import Card
from cards.digest import BulkView, DigestLine, DigestView, score_digest_hr
from cards.text import t
from services.decisions.policy import PolicyConfig, evaluate_policy
from services.notify.policy import NotifyPolicy
from services.notify.score_cards import load_score_chain
from storage.action_models import Decision, Delivery
from storage.attention_models import BulkDecision, ScoreDigest, ScoreDigestItem
from storage.models import Position
from storage.vocabulary import AWAITING_DECISION_STAGES, VISIBLE_SCORE_STATUSES


@dataclass(frozen=True)
class Entry:
    application_id: str
    line: DigestLine
    suggestion: str
    open: bool  # no decision since the score was published, and the stage awaits one


def _decision_since(session: Session, application_id: str, since: datetime) -> Decision | None:
    return session.scalars(
        select(Decision)
        .where(Decision.application_id == application_id, Decision.created_at >= since)
        .order_by(Decision.sequence.desc())
        .limit(1)
    ).first()


def digest_entries(session: Session, digest: ScoreDigest, policy: NotifyPolicy) -> list[Entry]:
    """The window's scores that are still visible, best first."""
    defaults = PolicyConfig(
        advance_threshold=policy.advance_threshold, auto_reject=policy.auto_reject
    )
    items = session.scalars(
        select(ScoreDigestItem).where(ScoreDigestItem.digest_id == digest.id)
    ).all()
    entries = []
    for item in items:
        chain = load_score_chain(session, item.score_id)
        if chain is None or chain.score.status not in VISIBLE_SCORE_STATUSES:
            continue
        outcome = evaluate_policy(session, chain.score, now=datetime.now(UTC), defaults=defaults)
        since = chain.score.published_at or chain.score.updated_at
        decided = _decision_since(session, chain.application.id, since)
        is_open = decided is None and chain.application.stage in AWAITING_DECISION_STAGES
        label = t(f"decision_{decided.decision}", policy.language) if decided else ""
        line = DigestLine(
            chain.candidate.name, chain.score.overall, outcome.suggestion, item.revised, label
        )
        entries.append(Entry(chain.application.id, line, outcome.suggestion, is_open))
    entries.sort(key=lambda e: (-(e.line.overall or 0), e.application_id))
    return entries


def suggested_open(entries: list[Entry]) -> list[str]:
    """The applications "Advance the N suggested" would decide."""
    return [e.application_id for e in entries if e.suggestion == "advance" and e.open]


def _bulk_view(session: Session, digest: ScoreDigest, n_open: int) -> BulkView:
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
        bulk=_bulk_view(session, digest, n_open),
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
