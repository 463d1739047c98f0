"""Imports every module that registers planners and card content: import this to deliver."""

from services import deliveries, notifications  # noqa: F401  (registration side effects)
