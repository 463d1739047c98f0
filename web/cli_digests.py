"""`flask --app wsgi digests push [--now <RFC 3339>]`: send HR's due score digests now.

The worker pushes digests by itself (jobs/digests.py, every 30 s); this command is for an
operator, and for the walkthrough at night, when a digest waits for the working window to open:
`--now` pushes those due as of that time, from this process, through the same job code.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from clients.dingtalk import make_dingtalk_client
from jobs import context
from jobs.digests import push_due_digests
from services.notify.policy import policy_from_settings
from web.cli_reminders import parse_now
from web_context import get_runtime

digests = AppGroup("digests", help="HR's score digests.")


@digests.command("push")
@click.option("--now", "now_text", default=None, help="RFC 3339 time to push as of (default now).")
def push_command(now_text: str | None) -> None:
    """Send every digest card due as of --now; print how many went out."""
    runtime = get_runtime()
    now = parse_now(now_text)
    context.install(
        context.WorkerContext(
            runtime=runtime,
            dingtalk=make_dingtalk_client(runtime.settings, runtime.redis),
            notify_policy=policy_from_settings(runtime.settings),
        )
    )
    click.echo(f"digest cards sent={push_due_digests(now)} (as of {now.isoformat()})")
