"""The worker's runtime and edge clients, installed once by its composition root."""

from __future__ import annotations

from dataclasses import dataclass

from clients.dingtalk import DingTalkClient
from services.notify.policy import NotifyPolicy
from storage.runtime import Runtime


@dataclass
class WorkerContext:
    runtime: Runtime
    dingtalk: DingTalkClient
    notify_policy: NotifyPolicy


_context: WorkerContext | None = None


def install(context: WorkerContext) -> None:
    global _context  # noqa: PLW0603  (one process-wide context, set once by the root)
    _context = context


def current() -> WorkerContext:
    """The installed context; a job run outside a worker process is a programming error."""
    if _context is None:
        raise RuntimeError("no worker context installed: jobs run inside `python -m jobs.worker`")
    return _context
