"""`flask --app wsgi ehr ...`: pull the change feed; dead letters, held events, history."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click
from flask.cli import AppGroup

from clients.dingtalk import DingTalkError
from clients.ehr import EhrError
from jobs.process import bulk_gc
from jobs.sync import PullAlreadyRunning, PullProgress, iter_pull
from services.ehr.admin import list_dead_letter_views, list_history_views, replay_dead_letters
from services.ehr.sync import list_overdue_held_events, retry_held_events
from services.errors import DomainError
from storage.models import ENTITY_MODELS
from web_context import get_runtime

ehr = AppGroup(
    "ehr", help="EHR sync: change-feed pull, dead letters, held events, an entity's history."
)


def _show(progress: PullProgress | None) -> str:
    return "" if progress is None else f"{progress.events} events, {progress.pages} pages"


@ehr.command("sync")
@click.option("--full", is_flag=True, help="Re-read the whole feed and tombstone what it lacks.")
@click.option("--force", is_flag=True, help="Tombstone even above the reconciliation guard.")
def sync_command(full: bool, force: bool) -> None:
    """Pull the EHR change feed to its end, page by page."""
    progress = PullProgress()
    try:
        pages = iter_pull(get_runtime(), full=full, force=force)
        with (
            bulk_gc(),
            click.progressbar(pages, label="EHR change feed", item_show_func=_show) as bar,
        ):
            for step in bar:
                progress = step
    except PullAlreadyRunning as exc:
        raise click.ClickException(str(exc)) from exc
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    except EhrError as exc:
        raise click.ClickException(f"EHR error: {exc}") from exc
    except DingTalkError as exc:
        raise click.ClickException(f"DingTalk recruiting module: {exc}") from exc
    summary = progress.summary()
    click.echo(
        "applied={applied} stale={stale} duplicate={duplicate} rejected={rejected} "
        "held={held} released={released} outbox={outbox} (events={events}, pages={pages})".format(
            **summary
        )
    )
    if progress.tombstoned:
        click.echo("tombstoned: " + ", ".join(f"{k}={v}" for k, v in progress.tombstoned.items()))
    if progress.overdue_held:
        click.echo(f"warning: {len(progress.overdue_held)} held events are overdue (ehr held)")


@ehr.group("dead-letters")
def dead_letters() -> None:
    """Invalid events kept with the reason."""


@dead_letters.command("list")
@click.option("--all", "include_replayed", is_flag=True, help="Include replayed ones.")
@click.option("--raw", is_flag=True, help="Print each raw event as JSON.")
def list_command(include_replayed: bool, raw: bool) -> None:
    """List dead letters, oldest first."""
    session = get_runtime().session_factory()
    try:
        letters = list_dead_letter_views(session, include_replayed=include_replayed)
    finally:
        session.close()
    for d in letters:
        status = f" replayed={d.replay_result}" if d.replayed_at else ""
        click.echo(
            f"{d.id}\t{d.event_id or '-'}\t{d.source}\t{d.received_at.isoformat()}\t{d.reason}"
            + status
        )
        if raw:
            click.echo(json.dumps(d.raw, ensure_ascii=False))
    click.echo(f"{len(letters)} dead letters")


@dead_letters.command("replay")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "replay_all", is_flag=True, help="Replay every pending dead letter.")
def replay_command(ids: tuple[int, ...], replay_all: bool) -> None:
    """Run dead letters through ingestion again."""
    if bool(ids) == replay_all:
        raise click.UsageError("give dead-letter ids or --all")
    session = get_runtime().session_factory()
    try:
        results = replay_dead_letters(
            session, None if replay_all else list(ids), now=datetime.now(UTC)
        )
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    finally:
        session.close()
    for letter_id, result in results:
        click.echo(f"{letter_id}\t{result}")
    click.echo(f"{len(results)} replayed")


@ehr.command("held")
@click.option("--older-than", type=float, default=None, help="Seconds; default the setting.")
@click.option("--retry", is_flag=True, help="First re-apply those whose parent has arrived.")
def held_command(older_than: float | None, retry: bool) -> None:
    """List events held for a parent longer than EHR_HELD_MAX_AGE_SECONDS (or --older-than)."""
    runtime = get_runtime()
    age = runtime.settings.EHR_HELD_MAX_AGE_SECONDS if older_than is None else older_than
    session = runtime.session_factory()
    try:
        now = datetime.now(UTC)
        if retry:
            counts = retry_held_events(session, now=now)
            click.echo(f"retried: applied={counts['applied']} still held={counts['held']}")
        held = list_overdue_held_events(session, now=now, older_than_seconds=age)
    finally:
        session.close()
    for h in held:
        click.echo(
            f"{h.event_id}\t{h.entity_kind}:{h.entity_id}\twaiting for {h.waiting_for}"
            f"\tsince {h.received_at.isoformat()}"
        )
    click.echo(f"{len(held)} held events older than {age:g} s")


def _value(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


@ehr.command("history")
@click.argument("kind", type=click.Choice(sorted(ENTITY_MODELS)))
@click.argument("entity_id")
@click.option("--data", "show_data", is_flag=True, help="Also print each change's whole data.")
def history_command(kind: str, entity_id: str, show_data: bool) -> None:
    """Every recorded change of one entity: version, operation, source, event, field pairs."""
    session = get_runtime().session_factory()
    try:
        changes = list_history_views(session, kind, entity_id)
    finally:
        session.close()
    for h in changes:
        click.echo(
            f"v{h.version}\t{h.operation}\t{h.source}\t{h.event_id or '-'}"
            f"\treceived {h.received_at.isoformat()}\tapplied {h.applied_at.isoformat()}"
        )
        for name, pair in h.changes.items():
            click.echo(f"  {name}: {_value(pair['before'])} -> {_value(pair['after'])}")
        if show_data:
            click.echo(f"  data: {_value(h.data)}")
    click.echo(f"{len(changes)} changes of {kind} {entity_id}")
