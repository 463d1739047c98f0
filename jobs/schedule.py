"""The one registry of periodic jobs: the scheduler enqueues each period of each job once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from jobs.queues import DEFAULT_QUEUE, NOTIFY_QUEUE, SYNC_QUEUE


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func: str  # dotted path of the job function, e.g. "jobs.sync.pull_ehr_changes"
    every: timedelta
    queue: str = DEFAULT_QUEUE
    kwargs: dict[str, Any] = field(default_factory=dict)
    timeout_seconds: int = 600


# Later features append their sweeps here; nothing else schedules work.
REGISTRY: tuple[PeriodicJob, ...] = (
    # Re-dispatches outbox rows whose job was lost (Redis down at commit, a killed worker).
    PeriodicJob(
        name="outbox-sweep",
        func="jobs.notify.sweep_outbox_job",
        every=timedelta(seconds=30),
        queue=NOTIFY_QUEUE,
    ),
    # Ticks every minute; the job itself waits EHR_PULL_INTERVAL_SECONDS between real pulls.
    PeriodicJob(
        name="ehr-pull",
        func="jobs.sync.pull_ehr_changes",
        every=timedelta(seconds=60),
        queue=SYNC_QUEUE,
        timeout_seconds=3600,
    ),
    # The clock: due reminders (and held ones once the working window opens), every minute.
    PeriodicJob(
        name="reminder-sweep",
        func="jobs.clock.sweep_reminders_job",
        every=timedelta(seconds=60),
        timeout_seconds=300,
    ),
    # No-show rate per position and batch, alerting once per crossing.
    PeriodicJob(
        name="no-show-alerts",
        func="jobs.clock.sweep_no_show_alerts_job",
        every=timedelta(minutes=5),
        timeout_seconds=300,
    ),
    # Auto-applied score policies on newly published scores.
    PeriodicJob(
        name="score-policies",
        func="jobs.clock.apply_score_policies_job",
        every=timedelta(seconds=60),
        timeout_seconds=300,
    ),
    # Interviewers: briefings before a round, feedback requests and the one reminder after it,
    # and the feedback given on cards written back to the EHR.
    PeriodicJob(
        name="interviewer-sweep",
        func="jobs.clock.sweep_interviewers_job",
        every=timedelta(seconds=60),
        timeout_seconds=300,
    ),
    # HR's score digests: a window's first card when it opens, the debounced updates after it.
    PeriodicJob(
        name="digest-push",
        func="jobs.digests.push_due_digests_job",
        every=timedelta(seconds=30),
        queue=NOTIFY_QUEUE,
        timeout_seconds=300,
    ),
    # Candidate messages that matter and stay unread: DING, DING by SMS, then an HR to-do.
    PeriodicJob(
        name="escalation-sweep",
        func="jobs.escalation.escalate_unread_job",
        every=timedelta(minutes=5),
        timeout_seconds=300,
    ),
    # The offer (issue 19): expiry, and the candidate's reminder 24 h before it.
    PeriodicJob(
        name="offer-sweep",
        func="jobs.offers.sweep_offers_job",
        every=timedelta(seconds=60),
        timeout_seconds=300,
    ),
    # New hires' training (issue 21): courses past due or with a low exam, once per crossing.
    PeriodicJob(
        name="training-followup",
        func="jobs.clock.sweep_training_followup_job",
        every=timedelta(days=1),
        timeout_seconds=600,
    ),
    # Background checks (issue 20): read the reports the vendor's webhooks have not settled.
    PeriodicJob(
        name="bgcheck-poll",
        func="jobs.bgcheck.sweep_checks_job",
        every=timedelta(minutes=5),
        timeout_seconds=300,
    ),
)
