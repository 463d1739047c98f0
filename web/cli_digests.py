"""`flask --app wsgi digests push [--now <RFC 3339>]`: send HR's due score digests now, and
`flask --app wsgi escalation sweep [--now <RFC 3339>]`: climb the ladder of unread messages.

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
from jobs.escalation import escalate_unread
from services.notify.policy import policy_from_settings
from web.cli_reminders import parse_now
from web_context import get_runtime

digests = AppGroup("digests", help="HR's score digests.")
escalation = AppGroup("escalation", help="The escalation of unread candidate messages.")


def _install_worker_context() -> None:
    """These commands run the worker's job code in this process, with its DingTalk client."""
    runtime = get_runtime()
    context.install(
        context.WorkerContext(
            runtime=runtime,
            dingtalk=make_dingtalk_client(runtime.settings, runtime.redis),
            notify_policy=policy_from_settings(runtime.settings),
        )
    )


@digests.command("push")
@click.option("--now", "now_text", default=None, help="RFC 3339 time to push as of (default now).")
def push_command(now_text: str | None) -> None:
    """Send every digest card due as of --now; print how many went out."""
    now = parse_now(now_text)
    _install_worker_context()
    click.echo(f"digest cards sent={push_due_digests(now)} (as of {now.isoformat()})")


@escalation.command("sweep")
@click.option("--now", "now_text", default=None, help="RFC 3339 time to sweep as of (default now).")
def escalation_command(now_text: str | None) -> None:
    """Send the rungs of the ladder due as of --now (DING, DING by SMS, HR to-do); print them."""
    now = parse_now(now_text)
    _install_worker_context()
    done = escalate_unread(now)
    for line in done:
        click.echo(f"rung {line}")
    click.echo(f"escalation rungs={len(done)} (as of {now.isoformat()})")
