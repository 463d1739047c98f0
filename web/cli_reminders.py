"""`flask --app wsgi reminders sweep --now <RFC 3339>`: the clock's sweeps as of a given time."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import AppGroup

from jobs.clock import SweepReport, run_sweeps
from web_context import get_runtime

reminders = AppGroup(
    "reminders", help="The clock: reminders, no-show alerts, score policies, interviewers."
)


def parse_now(value: str | None) -> datetime:
    """An RFC 3339 time with an offset (`Z` allowed); the current time when not given."""
    if value is None:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError as exc:
        raise click.BadParameter(f"not an RFC 3339 time: {value}", param_hint="--now") from exc
    if parsed.tzinfo is None:
        raise click.BadParameter("give the time with an offset, e.g. +08:00", param_hint="--now")
    return parsed


def _print(report: SweepReport) -> None:
    for r in report.reminders:
        click.echo(
            f"reminder {r.action}\t{r.kind}\tinterview={r.interview_id}"
            f"\treminder={r.reminder_id}\t{r.reason}"
        )
    for a in report.alerts:
        if a.action != "unchanged":
            click.echo(
                f"no-show {a.action}\tposition={a.position_id}\tbatch={a.batch or '-'}"
                f"\t{a.no_shows}/{a.past_deadline}\t{a.reason}"
            )
    for p in report.policies:
        if p.action == "applied":
            click.echo(
                f"policy applied\tdecision={p.decision_id}\tapplication={p.application_id}"
                f"\tscore={p.score_id}\t{p.reason}"
            )
    for i in report.interviewers:
        click.echo(
            f"interviewer {i.action}\t{i.kind}\tinterview={i.interview_id}"
            f"\treminder={i.reminder_id}\t{i.reason}"
        )
    for tr in report.training:
        click.echo(
            f"training {tr.action}\t{tr.threshold}\tapplication={tr.application_id}"
            f"\tcourse={tr.course_key}"
        )
    for name in report.skipped:
        click.echo(f"warning: the {name} sweep is running elsewhere; skipped")
    sent = sum(1 for r in report.reminders if r.action == "sent")
    held = sum(1 for r in report.reminders if r.action == "held")
    alerted = sum(1 for a in report.alerts if a.action == "alerted")
    applied = sum(1 for p in report.policies if p.action == "applied")
    briefed = sum(1 for i in report.interviewers if i.action == "sent")
    click.echo(
        f"reminders sent={sent} held={held}; no-show alerts={alerted}; policy decisions={applied}"
        f"; interviewer cards={briefed}"
        f"; training alerts={sum(1 for tr in report.training if tr.action == 'alerted')}"
    )


@reminders.command("sweep")
@click.option("--now", "now_text", default=None, help="RFC 3339 time to sweep as of (default now).")
def sweep_command(now_text: str | None) -> None:
    """Run the reminder, no-show, score-policy, interviewer and training sweeps as of --now."""
    now = parse_now(now_text)
    click.echo(f"sweeping as of {now.isoformat()}")
    _print(run_sweeps(get_runtime(), now=now))
