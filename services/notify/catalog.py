"""Imports every module that registers planners and card content: import this to deliver."""

from services.clock import cards as clock_cards  # noqa: F401  (registration side effects)
from services.decisions import cards as decision_cards  # noqa: F401
from services.notify import deliveries, planning  # noqa: F401
