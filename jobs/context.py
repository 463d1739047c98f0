"""The worker's runtime, installed once by its composition root; jobs read it, never build it."""

from __future__ import annotations

from storage.runtime import Runtime

_runtime: Runtime | None = None


def install(runtime: Runtime) -> None:
    global _runtime  # noqa: PLW0603  (one process-wide runtime, set once by the root)
    _runtime = runtime


def current() -> Runtime:
    """The installed runtime; a job run outside a worker process is a programming error."""
    if _runtime is None:
        raise RuntimeError("no runtime installed: jobs run inside `python -m jobs.worker`")
    return _runtime
