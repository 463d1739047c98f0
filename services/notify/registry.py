"""Registries that map outbox kinds to planners and card purposes to content builders.

Feature modules register themselves (services/notify/catalog.py imports them all), so adding a
card kind never means editing the delivery pipeline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.orm import Session

from cards.builders import Card
from services.notify.policy import NotifyPolicy
from services.notify.recipients import Recipient
from storage.action_models import Delivery
from storage.sync_models import OutboxEvent


@dataclass(frozen=True)
class PlannedCard:
    purpose: str  # the card template name
    recipient: Recipient
    card_key: str  # one card per key and recipient: the outTrackId derives from both
    # "update": push new data into an existing card (e.g. a decision shown on every HR copy)
    operation: str = "create"
    # The exact card to update when it is known (a sibling copy), instead of deriving it.
    track_id: str | None = None


Planner = Callable[[Session, OutboxEvent, NotifyPolicy], list[PlannedCard]]
Content = Callable[[Session, Delivery, NotifyPolicy], Card | None]
F = TypeVar("F")

PLANNERS: dict[str, Planner] = {}
CONTENT: dict[str, Content] = {}
TITLES: dict[str, str] = {}


def planner(*kinds: str) -> Callable[[Planner], Planner]:
    """Register a function that decides the cards an outbox event of `kinds` calls for."""

    def register(fn: Planner) -> Planner:
        for kind in kinds:
            PLANNERS[kind] = fn
        return fn

    return register


def content(*purposes: str, title: str) -> Callable[[Content], Content]:
    """Register a function that builds, at send time, the card of a delivery's purpose."""

    def register(fn: Content) -> Content:
        for purpose in purposes:
            CONTENT[purpose] = fn
            TITLES[purpose] = title
        return fn

    return register
