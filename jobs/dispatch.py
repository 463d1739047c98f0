"""Outbox rows become RQ jobs: right after commit, and again by the sweep if that was missed."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from redis import Redis
from rq import Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job
from sqlalchemy import select
from sqlalchemy.orm import Session

from jobs.queues import NOTIFY_QUEUE, queue
from services.notify.catalog import OUTBOX
from storage.outbox_dispatch import Dispatcher
from storage.sync_models import OutboxEvent
from storage.vocabulary import (
    OUTBOX_BGCHECK_CONSENTED,
    OUTBOX_BGCHECK_DECIDED,
    OUTBOX_BGCHECK_PROGRESSED,
    OUTBOX_BGCHECK_VENDOR_UPDATED,
    OUTBOX_BULK_DECISION_REQUESTED,
    OUTBOX_FEEDBACK_SUBMITTED,
    OUTBOX_OFFER_ANSWERED,
    OUTBOX_OFFER_APPROVAL_REQUESTED,
    OUTBOX_OFFER_SENT,
    OUTBOX_ONBOARDING_NOTIFIED,
    OUTBOX_STAGE_CHANGED,
)

log = logging.getLogger(__name__)
LIVE_STATES = {"queued", "started", "deferred", "scheduled"}
STALE_HEARTBEAT = timedelta(minutes=3)  # several of RQ's 30 s job-monitoring intervals
# Transient DingTalk failures: retry with growing pauses, then leave it to the sweep.
RETRY = Retry(max=5, interval=[5, 15, 60, 180, 600])

# Most outbox kinds only need cards; a kind the catalogue writes back goes to the EHR first, and
# that job then delivers the cards (so the cards can say whether the EHR accepted it). Kinds with
# neither are left alone: the row is the record of what happened.
DEFAULT_JOB = "jobs.notify.deliver_outbox_event"
WRITE_BACK = "jobs.writeback.process_decision_event"
CALENDAR = "jobs.rounds.sync_round_event"
# An interviewer's feedback from a card: written back to the EHR (the row is the record, no card).
FEEDBACK_WRITE_BACK = "jobs.interviewers.write_back_feedback"
# "Advance the N suggested" confirmed on a digest card: N decisions, then the card's update.
BULK_DECISION = "jobs.digests.run_bulk_decision"
# The offer (jobs/offers.py): a stage change may draft it; its sending and its answer are
# written to the EHR before their cards go out.
OFFER_DRAFT = "jobs.offers.draft_on_stage_change"
OFFER_WRITE_BACK = "jobs.offers.process_offer_event"
# An approval request starts the DingTalk OA approval first when one is configured.
OFFER_APPROVAL = "jobs.offer_approvals.request_approval"
# The background check (jobs/bgcheck.py): created with the vendor after consent, read again on
# a vendor webhook, and each step written to the EHR before its cards go out.
BGCHECK_CREATE = "jobs.bgcheck.create_at_vendor"
BGCHECK_REFRESH = "jobs.bgcheck.refresh_on_webhook"
BGCHECK_WRITE_BACK = "jobs.bgcheck.write_back_step"
# The onboarding notice that was sent: written to the EHR before the candidate's card.
ONBOARDING_WRITE_BACK = "jobs.onboarding.write_back_notice"


def _job_for(write_back: bool, calendar: bool) -> str:
    return WRITE_BACK if write_back else CALENDAR if calendar else DEFAULT_JOB


# Kinds with a job of their own, which delivers the row's cards (if any) when it is done.
OWN_JOBS: dict[str, str] = {
    OUTBOX_FEEDBACK_SUBMITTED: FEEDBACK_WRITE_BACK,
    OUTBOX_BULK_DECISION_REQUESTED: BULK_DECISION,
    OUTBOX_STAGE_CHANGED: OFFER_DRAFT,
    OUTBOX_OFFER_SENT: OFFER_WRITE_BACK,
    OUTBOX_OFFER_ANSWERED: OFFER_WRITE_BACK,
    OUTBOX_OFFER_APPROVAL_REQUESTED: OFFER_APPROVAL,
    OUTBOX_BGCHECK_CONSENTED: BGCHECK_CREATE,
    OUTBOX_BGCHECK_VENDOR_UPDATED: BGCHECK_REFRESH,
    OUTBOX_BGCHECK_PROGRESSED: BGCHECK_WRITE_BACK,
    OUTBOX_BGCHECK_DECIDED: BGCHECK_WRITE_BACK,
    OUTBOX_ONBOARDING_NOTIFIED: ONBOARDING_WRITE_BACK,
}
JOB_FOR_KIND: dict[str, str] = {
    **{
        kind: _job_for(handling.write_back, handling.calendar)
        for kind, handling in OUTBOX.items()
        if handling.write_back or handling.plan is not None
    },
    **OWN_JOBS,
}


def job_id(outbox_id: int) -> str:
    return f"outbox-{outbox_id}"


def enqueue_outbox(redis: Redis, outbox_id: int, kind: str | None = None) -> None:
    """Enqueue the job for one outbox row under its deterministic job id."""
    queue(NOTIFY_QUEUE, redis).enqueue(
        JOB_FOR_KIND.get(kind or "", DEFAULT_JOB),
        outbox_id,
        job_id=job_id(outbox_id),
        retry=RETRY,
        job_timeout=300,
        result_ttl=3600,
        failure_ttl=7 * 86400,
    )


def consumed_kinds() -> frozenset[str]:
    """Outbox kinds something acts on; the others are kept as the record of what happened."""
    return frozenset(JOB_FOR_KIND)


def make_dispatcher(redis: Redis) -> Dispatcher:
    """The after-commit hook's target: enqueue each committed outbox row that has a consumer."""
    kinds = consumed_kinds()

    def dispatch(outbox: list[tuple[int, str]]) -> None:
        for outbox_id, kind in outbox:
            if kind in kinds:
                enqueue_outbox(redis, outbox_id, kind)

    return dispatch


def _job_alive(redis: Redis, outbox_id: int, now: datetime) -> bool:
    try:
        job = Job.fetch(job_id(outbox_id), connection=redis)
    except NoSuchJobError:
        return False
    status = str(getattr(job.get_status(refresh=False), "value", job.get_status(refresh=False)))
    if status == "queued":
        # Popped by a worker that died before marking it started: queued in name only.
        return job.get_position() is not None
    if status == "started":
        # A killed worker leaves its job "started" for good; the work horse beats every
        # RQ job-monitoring interval, so a stale heartbeat means nobody is running it.
        beat = job.last_heartbeat or job.started_at
        if beat is not None and now - beat.replace(tzinfo=beat.tzinfo or UTC) > STALE_HEARTBEAT:
            return False
    return status in LIVE_STATES


def sweep_outbox(
    session: Session,
    redis: Redis,
    *,
    now: datetime,
    older_than: timedelta = timedelta(seconds=60),
    max_age: timedelta = timedelta(hours=24),
    limit: int = 500,
) -> list[int]:
    """Re-dispatch open outbox rows whose job vanished (Redis down at commit, worker killed).

    Rows older than `max_age` are left alone: a day-old "your score is out" helps nobody, and a
    newly added card kind must not flood people with the backlog of its past events.
    """
    rows = session.execute(
        select(OutboxEvent.id, OutboxEvent.kind)
        .where(
            OutboxEvent.state.in_(("pending", "dispatched")),
            OutboxEvent.kind.in_(sorted(consumed_kinds())),
            OutboxEvent.created_at < now - older_than,
            OutboxEvent.created_at > now - max_age,
        )
        .order_by(OutboxEvent.id)
        .limit(limit)
    ).all()
    redispatched = []
    for outbox_id, kind in rows:
        if not _job_alive(redis, outbox_id, now):
            enqueue_outbox(redis, outbox_id, kind)
            redispatched.append(outbox_id)
    if redispatched:
        log.info("outbox sweep re-dispatched", extra={"ctx": {"count": len(redispatched)}})
    return redispatched
