"""Shared start-up for the non-web processes: settings, logging, runtime, SIGTERM handling."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from types import FrameType

from config import Settings, SettingsError, load_settings
from config.logging import configure_logging
from storage.db import DatabaseNotMigrated
from storage.runtime import Runtime, build_runtime

log = logging.getLogger(__name__)


def start_process(name: str, settings: Settings | None = None) -> Runtime:
    """Build settings and connections for a process, or exit(2) with a message saying why."""
    try:
        settings = settings or load_settings()
        configure_logging(settings.LOG_LEVEL)
        runtime = build_runtime(settings)
    except (SettingsError, DatabaseNotMigrated) as exc:
        sys.stderr.write(f"{name}: cannot start: {exc}\n")
        raise SystemExit(2) from exc
    log.info("%s starting", name, extra={"ctx": {"env": settings.APP_ENV.value}})
    return runtime


def stop_event_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT, for loops that must finish their current step."""
    stop = threading.Event()

    def _handler(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s received, stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, _handler)
    signal.signal(signal.SIGINT, _handler)
    return stop
