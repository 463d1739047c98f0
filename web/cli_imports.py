"""`flask --app wsgi import scores FILE [--mapping NAME] [--dry-run]`: import a score export."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from flask.cli import AppGroup

from services.errors import DomainError
from services.imports.imports import (
    DEFAULT_MAPPING,
    ImportOptions,
    Preview,
    apply_import,
    preview_import,
)
from web_context import get_runtime

imports = AppGroup("import", help="Import what a company already has: an AI vendor's scores.")
CLI_ACTOR = "cli"


def _echo_preview(preview: Preview) -> None:
    click.echo(
        f"{preview.filename}: {preview.file_format}"
        + (f" ({preview.encoding})" if preview.encoding else "")
        + f", {preview.rows} rows, mapping {preview.mapping!r}"
    )
    for column in preview.columns:
        click.echo(f"  {column.header} -> {column.field} ({column.origin})")
    if preview.missing_fields:
        raise click.ClickException(
            "no column maps to: "
            + ", ".join(preview.missing_fields)
            + " (rename the headers, or map them once in the H5 admin page's import)"
        )
    for problem in preview.rejected:
        click.echo(f"  rejected row {problem.row}, {problem.column or '-'}: {problem.reason}")
    counts = preview.counts
    click.echo(
        f"create={counts['create']} update={counts['update']} unchanged={counts['unchanged']}"
        f" rejected={counts['rejected']}"
    )


@imports.command("scores")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mapping", default=DEFAULT_MAPPING, show_default=True, help="The source's name.")
@click.option(
    "--dry-run", is_flag=True, help="Preview only: say what would change, change nothing."
)
def scores_command(file: Path, mapping: str, dry_run: bool) -> None:
    """Preview an export (.xlsx, .csv), then apply it as EHR contract events."""
    runtime = get_runtime()
    options = ImportOptions.from_settings(runtime.settings)
    session = runtime.session_factory()
    try:
        preview = preview_import(
            session,
            CLI_ACTOR,
            filename=file.name,
            content=file.read_bytes(),
            mapping=mapping,
            options=options,
            now=datetime.now(UTC),
            store=not dry_run,
        )
        _echo_preview(preview)
        if dry_run or preview.import_id is None:
            click.echo("dry run: nothing changed")
            return
        planned = sum(preview.counts[k] for k in ("create", "update", "unchanged"))
        with click.progressbar(length=planned, label="applying") as bar:
            result = apply_import(
                session,
                CLI_ACTOR,
                preview.import_id,
                options=options,
                now=datetime.now(UTC),
                progress=bar.update,
            )
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    finally:
        session.close()
    events = result.events
    click.echo(
        f"applied import {result.import_id}: events applied={events['applied']}"
        f" stale={events['stale']} duplicate={events['duplicate']}"
        f" rejected={events['rejected']} held={events['held']} outbox={events['outbox']}"
    )
