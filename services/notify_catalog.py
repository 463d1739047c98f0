"""Imports every module that registers planners and card content: import this to deliver."""

from services import (  # noqa: F401  (registration side effects)
    deliveries,
    notifications,
    notify_clock,
    notify_decisions,
)
