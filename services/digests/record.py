"""A published or revised score joins the digest of each HR owner who reads digests.

Called by the score card's planner (services/notify/score_cards.py) inside the outbox job's unit
of work: the digest and its item are written with the rest of the plan, so a retried job adds
nothing (one item per digest and score; a revision marks the item revised). The card itself is
pushed by services/digests/push.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.digests.window import digest_window
from services.notify.base import out_track_id
from services.notify.policy import NotifyPolicy
from services.notify.recipients import Recipient
from storage.attention_models import ScoreDigest, ScoreDigestItem

# A digest card is pushed at most once a minute: a batch of 500 scores costs a handful of card
# updates (each one a DingTalk call shared with the candidates' cards), not 500.
PUSH_INTERVAL = timedelta(seconds=60)


def _digest(
    session: Session, staff: Recipient, position_id: str, window: tuple[datetime, datetime]
) -> ScoreDigest:
    """The digest of (staff, position, window), created by whichever job comes first."""
    start, end = window
    found = session.scalar(
        select(ScoreDigest).where(
            ScoreDigest.staff_id == staff.id,
            ScoreDigest.position_id == position_id,
            ScoreDigest.window_start == start,
        )
    )
    if found is not None:
        return found
    key = f"digest-{position_id}-{start:%Y%m%d%H%M}"
    digest = ScoreDigest(
        staff_id=staff.id,
        position_id=position_id,
        window_start=start,
        window_end=end,
        out_track_id=out_track_id(key, staff),
        confirm_ids=[],
    )
    try:
        with session.begin_nested():
            session.add(digest)
    except IntegrityError:  # another job created it first: use theirs
        return _digest(session, staff, position_id, window)
    return digest


def _schedule_push(digest: ScoreDigest, landed_at: datetime) -> None:
    soonest = max(digest.window_start, landed_at)
    if digest.last_pushed_at is not None:
        soonest = max(soonest, digest.last_pushed_at + PUSH_INTERVAL)
    if digest.next_push_at is None or soonest < digest.next_push_at:
        digest.next_push_at = soonest


def add_to_digests(
    session: Session,
    *,
    score_id: str,
    application_id: str,
    position_id: str,
    staff: list[Recipient],
    landed_at: datetime,
    revised: bool,
    policy: NotifyPolicy,
) -> None:
    """Add the score to each staff member's digest of the window it landed in."""
    if not staff or policy.working_hours is None:
        return
    window = digest_window(landed_at, policy.working_hours, policy.digest_window_minutes)
    for member in staff:
        digest = _digest(session, member, position_id, window)
        item = session.scalar(
            select(ScoreDigestItem).where(
                ScoreDigestItem.digest_id == digest.id, ScoreDigestItem.score_id == score_id
            )
        )
        if item is None:
            session.add(
                ScoreDigestItem(
                    digest_id=digest.id,
                    score_id=score_id,
                    application_id=application_id,
                    revised=revised,
                    added_at=landed_at,
                )
            )
        else:
            item.revised = True
        _schedule_push(digest, landed_at)
    session.flush()


def touch_digests_of(session: Session, application_id: str, *, now: datetime) -> None:
    """A decision on an application: its open digests show it at their next push."""
    digests = session.scalars(
        select(ScoreDigest)
        .join(ScoreDigestItem, ScoreDigestItem.digest_id == ScoreDigest.id)
        .where(ScoreDigestItem.application_id == application_id, ScoreDigest.pushes > 0)
    )
    for digest in digests:
        _schedule_push(digest, now)
