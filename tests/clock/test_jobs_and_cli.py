"""The clock's jobs in the registry, two schedulers enqueueing once, the operator's CLI."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from rq import Queue
from sqlalchemy.orm import Session

from jobs.clock import clock_lock_key
from jobs.queues import DEFAULT_QUEUE
from jobs.schedule import REGISTRY
from jobs.scheduler import run_due
from storage.runtime import Runtime, make_redis
from tests.clock.conftest import WED, at, invite, outbox

CLOCK_JOBS = {
    "reminder-sweep": "jobs.clock.sweep_reminders_job",
    "no-show-alerts": "jobs.clock.sweep_no_show_alerts_job",
    "score-policies": "jobs.clock.apply_score_policies_job",
    "interviewer-sweep": "jobs.clock.sweep_interviewers_job",
    "escalation-sweep": "jobs.escalation.escalate_unread_job",
    "offer-sweep": "jobs.offers.sweep_offers_job",
    "training-followup": "jobs.clock.sweep_training_followup_job",
    "bgcheck-poll": "jobs.bgcheck.sweep_checks_job",
}


def test_the_clock_jobs_are_in_the_one_registry() -> None:
    found = {job.name: job.func for job in REGISTRY if job.name in CLOCK_JOBS}
    assert found == CLOCK_JOBS
    assert len({job.name for job in REGISTRY}) == len(REGISTRY)


def test_two_schedulers_enqueue_each_period_once(runtime: Runtime) -> None:
    other = make_redis(runtime.settings.require("REDIS_URL"))
    try:
        now = datetime(2026, 11, 18, 12, 0, 30, tzinfo=UTC)
        first = run_due(runtime.redis, REGISTRY, now)
        second = run_due(other, REGISTRY, now)
        assert set(CLOCK_JOBS) <= set(first)
        assert second == []
        jobs = Queue(DEFAULT_QUEUE, connection=runtime.redis).get_jobs()
        assert sorted(j.func_name for j in jobs) == sorted(CLOCK_JOBS.values())
        # The next period is claimed again, once.
        later = datetime(2026, 11, 18, 12, 1, 30, tzinfo=UTC)
        assert "reminder-sweep" in run_due(other, REGISTRY, later)
        assert "reminder-sweep" not in run_due(runtime.redis, REGISTRY, later)
    finally:
        other.close()


def _sweep(app: Flask, now: str) -> str:
    result = app.test_cli_runner().invoke(args=["reminders", "sweep", "--now", now])
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_sweeps_as_of_the_given_time_and_says_why(app: Flask, org: Session) -> None:
    invite(org, 1, invited_at=at(WED, 8), deadline_at=at(WED, 72))
    assert "reminders sent=0 held=0" in _sweep(app, "2026-11-18T19:59:00+08:00")
    output = _sweep(app, "2026-11-18T12:00:00Z")
    assert "sweeping as of 2026-11-18T12:00:00+00:00" in output
    assert "reminder sent\tinvite_unopened\tinterview=i-1" in output
    assert "invitation not opened" in output
    assert "reminders sent=1 held=0" in output
    assert "reminders sent=0" in _sweep(app, "2026-11-18T20:30:00+08:00")
    assert len(outbox(org, "reminder.due")) == 1


def test_cli_refuses_a_time_without_offset(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["reminders", "sweep", "--now", "2026-11-18 20:00"])
    assert result.exit_code == 2
    assert "offset" in result.output


def test_cli_skips_a_sweep_running_elsewhere(app: Flask, runtime: Runtime, org: Session) -> None:
    invite(org, 1, invited_at=at(WED, 8), deadline_at=at(WED, 72))
    runtime.redis.set(clock_lock_key("reminders"), "someone", ex=60)
    output = _sweep(app, "2026-11-18T20:00:00+08:00")
    assert "the reminders sweep is running elsewhere" in output
    assert outbox(org, "reminder.due") == []
