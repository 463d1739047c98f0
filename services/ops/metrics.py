"""Prometheus metrics: the counters and histograms every process records, and the backlog gauges
read from the database when `GET /metrics` is scraped.

Each counted place calls one function here, so names, labels and buckets live in one module
(the DingTalk client's own, below services, in clients/dingtalk/metrics.py).
prometheus-client picks its storage when it is first imported: with `PROMETHEUS_MULTIPROC_DIR`
in the environment every process (gunicorn's workers, the RQ worker and its work horses) writes
its own files in that directory, and the web process's `/metrics` sums them; without it the
values stay in the process. Names follow Prometheus' conventions (base units, `_total` for
counters); every label takes values from a fixed set, never a person's id or data.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable, Mapping, Sized
from datetime import datetime

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config.settings_ops import METRICS_PREFIX as PREFIX
from storage.sync_models import IS_HELD, EhrEvent, OutboxEvent

# The outcomes of an EHR event: `accepted` were applied to the cache; `stale` and `held` were
# accepted too but not applied (older than the cache, or waiting for their parent).
EHR_OUTCOMES = ("accepted", "duplicate", "stale", "rejected", "held")
_SUMMARY_KEY = {"accepted": "applied"}
# Outbox rows whose job has not finished (jobs/dispatch.py's sweep re-dispatches the same ones).
WAITING_OUTBOX_STATES = ("pending", "dispatched")
# DingTalk answers a card click within 2 s, or the user sees an error.
_CARD_ANSWER_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0)

EHR_EVENTS = Counter(
    f"{PREFIX}_ehr_events",
    "EHR events received, by source (push, pull, retry) and outcome",
    ["source", "outcome"],
)
DELIVERIES = Counter(
    f"{PREFIX}_deliveries",
    "Delivery outcomes recorded, by card purpose, channel and state",
    ["kind", "channel", "state"],
)
CARD_ANSWER_SECONDS = Histogram(
    f"{PREFIX}_card_callback_answer_seconds",
    "Time from a card click's arrival to its answer (DingTalk waits at most 2 s)",
    buckets=_CARD_ANSWER_BUCKETS,
)
MINIAPP_SECONDS = Histogram(
    f"{PREFIX}_miniapp_request_duration_seconds",
    "Mini-app API request time, by Flask endpoint and status class (2xx, 4xx, 5xx)",
    ["endpoint", "status"],
)
SWEEP_RUNS = Counter(f"{PREFIX}_sweep_runs", "Sweeps run to their end, by sweep", ["sweep"])
SWEEP_ACTIONS = Counter(
    f"{PREFIX}_sweep_actions",
    "What the sweeps did (reminders sent, alerts raised, policies applied), by sweep",
    ["sweep"],
)


def clock() -> float:
    """A start time for the `*_since` functions below."""
    return time.perf_counter()


def ehr_events_counted(source: str, summary: Mapping[str, int]) -> None:
    """After the commit of a batch: its `IngestResult.summary()` (or held-retry counts)."""
    for outcome in EHR_OUTCOMES:
        count = summary.get(_SUMMARY_KEY.get(outcome, outcome), 0)
        if count:
            EHR_EVENTS.labels(source, outcome).inc(count)


def delivery_recorded(kind: str, channel: str, state: str) -> None:
    DELIVERIES.labels(kind, channel, state).inc()


def card_answered_since(started: float) -> None:
    CARD_ANSWER_SECONDS.observe(time.perf_counter() - started)


def miniapp_request_since(endpoint: str | None, status: int, started: float) -> None:
    # Endpoints are the registered view names (a fixed set); an unknown path is "unmatched".
    label = endpoint or "unmatched"
    MINIAPP_SECONDS.labels(label, f"{status // 100}xx").observe(time.perf_counter() - started)


def sweep_done(sweep: str, actions: Sized) -> None:
    SWEEP_RUNS.labels(sweep).inc()
    SWEEP_ACTIONS.labels(sweep).inc(len(actions))


class Families(Collector):
    """Metric families computed at scrape time, for one scrape's registry."""

    def __init__(self, families: Iterable[GaugeMetricFamily]) -> None:
        self._families = list(families)

    def collect(self) -> Iterable[GaugeMetricFamily]:
        return iter(self._families)


def gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"{PREFIX}_{name}", documentation, value=value)


def _age(now: datetime, moment: datetime | None) -> float:
    return 0.0 if moment is None else max(0.0, (now - moment).total_seconds())


def backlog_families(
    session: Session, *, now: datetime, outbox_kinds: Collection[str]
) -> list[GaugeMetricFamily]:
    """Held events and waiting outbox rows, with the age of the oldest of each (0 when none)."""
    held, held_oldest = session.execute(
        select(func.count(), func.min(EhrEvent.received_at)).where(IS_HELD)
    ).one()
    waiting = (OutboxEvent.state.in_(WAITING_OUTBOX_STATES), OutboxEvent.kind.in_(outbox_kinds))
    outbox, outbox_oldest = session.execute(
        select(func.count(), func.min(OutboxEvent.created_at)).where(*waiting)
    ).one()
    return [
        gauge("ehr_held_events", "EHR events held, waiting for their parent entity", held),
        gauge(
            "ehr_held_oldest_age_seconds",
            "Age of the oldest held EHR event (0 when none is held)",
            _age(now, held_oldest),
        ),
        gauge("outbox_waiting_events", "Outbox rows not yet turned into deliveries", outbox),
        gauge(
            "outbox_oldest_age_seconds",
            "Age of the oldest waiting outbox row (0 when none waits)",
            _age(now, outbox_oldest),
        ),
    ]
