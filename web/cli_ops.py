"""`flask --app wsgi ops ...`: what needs attention, and the actions that clear it.

The same service functions as the admin page (miniapp_api/routes_ops.py): services/ops/status.py.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime

import click
from flask.cli import AppGroup

from jobs.ops_queues import make_probe
from jobs.queues import ALL_QUEUES
from services.errors import DomainError
from services.ops.status import (
    OpsStatus,
    gather_status,
    replay_letters,
    requeue_failed_jobs,
    retry_held,
)
from web_context import get_runtime

ops = AppGroup("ops", help="Operations: what needs attention, replay, retry, requeue.")


def _when(value: datetime | None) -> str:
    return "-" if value is None else value.isoformat()


def _echo_status(s: OpsStatus) -> None:
    click.echo("needs attention:" if s.attention else "nothing needs attention")
    for line in s.attention:
        click.echo(f"  ! {line}")
    click.echo("queues:")
    for q in s.queues:
        click.echo(f"  {q.name}\tdepth={q.depth}\tfailed={q.failed}")
        for j in q.failed_jobs:
            click.echo(
                f"    failed job {j.id}\t{j.func or '-'}\t{j.error or '-'}\t{_when(j.failed_at)}"
            )
    click.echo(f"dead letters: {s.dead_letters_total}")
    for d in s.dead_letters:
        click.echo(f"  {d.id}\t{d.event_id or '-'}\t{d.source}\t{_when(d.received_at)}\t{d.reason}")
    click.echo(f"held events: {s.held_total}")
    for h in s.held:
        late = "\toverdue" if h.overdue else ""
        click.echo(
            f"  {h.event_id}\t{h.entity_kind}:{h.entity_id}\twaiting for {h.waiting_for}"
            f"\tsince {_when(h.received_at)}{late}"
        )
    click.echo(f"undeliverable notifications: {s.undeliverable_total}")
    for u in s.undeliverable:
        click.echo(
            f"  delivery {u.id}\t{u.state}\t{u.purpose}\tto {u.recipient_kind} {u.recipient_id}"
            f"\tvia {u.channel}\t{u.reason or '-'}"
        )
    c = s.cursor
    age = "never pulled" if c.age_seconds is None else f"{c.age_seconds} s old"
    click.echo(f"pull cursor: {age}\tlast run {c.last_run_status or '-'}")
    o = s.outbox
    oldest = "" if o.oldest_id is None else f"\toldest {o.oldest_id}, {o.oldest_age_seconds} s old"
    click.echo(f"outbox: {o.waiting} waiting{oldest}")
    t = s.token
    expires = "" if t.expires_in_seconds is None else f", expires in {t.expires_in_seconds} s"
    click.echo("dingtalk token: " + (f"cached{expires}" if t.cached else "not cached"))


@ops.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the status as one JSON object.")
def status_command(as_json: bool) -> None:
    """Queues, failed jobs, dead letters, held events, undeliverable cards, pull, outbox, token."""
    runtime = get_runtime()
    with runtime.session_factory() as session:
        status = gather_status(
            session, make_probe(runtime), settings=runtime.settings, now=datetime.now(UTC)
        )
    if as_json:
        click.echo(json.dumps(asdict(status), ensure_ascii=False, default=str))
    else:
        _echo_status(status)


@ops.command("replay")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "replay_all", is_flag=True, help="Replay every pending dead letter.")
def replay_command(ids: tuple[int, ...], replay_all: bool) -> None:
    """Replay dead letters through ingestion (as `ehr dead-letters replay`)."""
    if bool(ids) == replay_all:
        raise click.UsageError("give dead-letter ids or --all")
    with get_runtime().session_factory() as session:
        try:
            results = replay_letters(session, None if replay_all else ids, now=datetime.now(UTC))
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
    for r in results:
        click.echo(f"{r.id}\t{r.result}")
    click.echo(f"{len(results)} replayed")


@ops.command("retry-held")
def retry_held_command() -> None:
    """Re-apply held events whose parent has arrived (as `ehr held --retry`)."""
    with get_runtime().session_factory() as session:
        result = retry_held(session, now=datetime.now(UTC))
    click.echo(
        f"released={result.released} applied={result.applied} still held={result.still_held}"
    )


@ops.command("requeue")
@click.argument("queue", type=click.Choice(ALL_QUEUES))
@click.argument("job_ids", nargs=-1)
@click.option("--all", "requeue_all", is_flag=True, help="Requeue every failed job of QUEUE.")
def requeue_command(queue: str, job_ids: tuple[str, ...], requeue_all: bool) -> None:
    """Put failed RQ jobs of QUEUE back on it."""
    if bool(job_ids) == requeue_all:
        raise click.UsageError("give job ids or --all")
    try:
        done = requeue_failed_jobs(
            make_probe(get_runtime()), queue, None if requeue_all else job_ids
        )
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    for job_id in done:
        click.echo(f"requeued {job_id}")
    click.echo(f"{len(done)} requeued on {queue}")
