"""gunicorn's settings file (read from the working directory): prometheus-client's multiprocess
mode needs to hear when a worker exits, so that the live gauges of a dead worker are dropped
from `/metrics` (its counters stay in the sums, as they must)."""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import multiprocess


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
