"""The clock's jobs: reminders, no-show alerts, score policies, interviewers; one service each.

A Redis lock per sweep keeps a scheduled run and an operator's `flask reminders sweep` from
working at once (the database constraints would keep them from sending twice anyway; the lock
keeps them from racing at all). `run_sweeps` is shared by the jobs and the CLI.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sized
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from redis.exceptions import LockError

from jobs import context
from services.clock.no_show import AlertAction, no_show_rules_from_settings, sweep_no_show_alerts
from services.clock.reminders import ReminderAction, rules_from_settings, sweep_reminders
from services.decisions.policy import (
    PolicyAction,
    apply_score_policies,
    policy_defaults_from_settings,
)
from services.insight.training import TrainingAction, sweep_training_followup
from services.interviewers.clock import (
    ClockAction,
    interviewer_rules_from_settings,
    sweep_interviewer_clock,
)
from services.ops import metrics
from storage import redis_keys
from storage.runtime import Runtime

log = logging.getLogger(__name__)
LOCK_SECONDS = 300
# A sweep returns the list of what it did: its length is the sweep's count in the metrics.
T = TypeVar("T", bound=Sized)


class SweepAlreadyRunning(RuntimeError):
    """Another process holds this sweep's lock; this run did nothing."""


clock_lock_key = redis_keys.clock_lock


@dataclass
class SweepReport:
    reminders: list[ReminderAction] = field(default_factory=list)
    alerts: list[AlertAction] = field(default_factory=list)
    policies: list[PolicyAction] = field(default_factory=list)
    interviewers: list[ClockAction] = field(default_factory=list)
    training: list[TrainingAction] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # sweeps another process was running


def _locked(runtime: Runtime, sweep: str, work: Callable[[], T]) -> T:
    lock = runtime.redis.lock(clock_lock_key(sweep), timeout=LOCK_SECONDS)
    if not lock.acquire(blocking=False):
        raise SweepAlreadyRunning(f"the {sweep} sweep is running elsewhere")
    try:
        result = work()
        metrics.sweep_done(sweep, result)
        return result
    finally:
        try:
            lock.release()
        except LockError:
            log.warning("clock lock expired before release", extra={"ctx": {"sweep": sweep}})


def run_reminder_sweep(runtime: Runtime, *, now: datetime) -> list[ReminderAction]:
    rules = rules_from_settings(runtime.settings)

    def work() -> list[ReminderAction]:
        with runtime.session_factory() as session:
            return sweep_reminders(session, now=now, rules=rules)

    return _locked(runtime, "reminders", work)


def run_no_show_sweep(runtime: Runtime, *, now: datetime) -> list[AlertAction]:
    rules = no_show_rules_from_settings(runtime.settings)

    def work() -> list[AlertAction]:
        with runtime.session_factory() as session:
            return sweep_no_show_alerts(session, now=now, rules=rules)

    return _locked(runtime, "no-show", work)


def run_policy_sweep(runtime: Runtime, *, now: datetime) -> list[PolicyAction]:
    defaults = policy_defaults_from_settings(runtime.settings)
    lookback = runtime.settings.REMINDER_LOOKBACK_HOURS

    def work() -> list[PolicyAction]:
        with runtime.session_factory() as session:
            return apply_score_policies(
                session, now=now, defaults=defaults, lookback_hours=lookback
            )

    return _locked(runtime, "policies", work)


def run_interviewer_sweep(runtime: Runtime, *, now: datetime) -> list[ClockAction]:
    rules = interviewer_rules_from_settings(runtime.settings)

    def work() -> list[ClockAction]:
        with runtime.session_factory() as session:
            return sweep_interviewer_clock(session, now=now, rules=rules)

    return _locked(runtime, "interviewers", work)


def run_training_sweep(runtime: Runtime, *, now: datetime) -> list[TrainingAction]:
    defaults = policy_defaults_from_settings(runtime.settings)

    def work() -> list[TrainingAction]:
        with runtime.session_factory() as session:
            return sweep_training_followup(session, now=now, defaults=defaults)

    return _locked(runtime, "training", work)


def run_sweeps(runtime: Runtime, *, now: datetime) -> SweepReport:
    """Run every sweep as of `now` (the CLI); a sweep running elsewhere is reported, not run."""
    report = SweepReport()
    try:
        report.reminders = run_reminder_sweep(runtime, now=now)
    except SweepAlreadyRunning:
        report.skipped.append("reminders")
    try:
        report.alerts = run_no_show_sweep(runtime, now=now)
    except SweepAlreadyRunning:
        report.skipped.append("no-show")
    try:
        report.policies = run_policy_sweep(runtime, now=now)
    except SweepAlreadyRunning:
        report.skipped.append("policies")
    try:
        report.interviewers = run_interviewer_sweep(runtime, now=now)
    except SweepAlreadyRunning:
        report.skipped.append("interviewers")
    try:
        report.training = run_training_sweep(runtime, now=now)
    except SweepAlreadyRunning:
        report.skipped.append("training")
    return report


def _counts(
    actions: list[ReminderAction]
    | list[AlertAction]
    | list[PolicyAction]
    | list[ClockAction]
    | list[TrainingAction],
) -> dict[str, int]:
    return dict(Counter(a.action for a in actions))


def _run_periodic(name: str, sweep: Callable[..., list[Any]]) -> dict[str, int]:
    runtime = context.current().runtime
    try:
        counts = _counts(sweep(runtime, now=datetime.now(UTC)))
    except SweepAlreadyRunning:
        return {"skipped": 1}
    log.info("%s sweep done", name, extra={"ctx": counts})
    return counts


def sweep_reminders_job() -> dict[str, int]:
    """Periodic: send due reminders and release held ones."""
    return _run_periodic("reminder", run_reminder_sweep)


def sweep_no_show_alerts_job() -> dict[str, int]:
    """Periodic: alert on batches whose no-show rate crossed the threshold."""
    return _run_periodic("no-show", run_no_show_sweep)


def sweep_interviewers_job() -> dict[str, int]:
    """Periodic: interviewers' briefings, feedback requests and reminders; card feedback."""
    return _run_periodic("interviewer", run_interviewer_sweep)


def apply_score_policies_job() -> dict[str, int]:
    """Periodic: apply auto-applied score policies to newly published scores."""
    return _run_periodic("score policy", run_policy_sweep)


def sweep_training_followup_job() -> dict[str, int]:
    """Daily: alert HR on new hires' courses past due or with a low exam, once per crossing."""
    return _run_periodic("training", run_training_sweep)
