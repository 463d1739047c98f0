"""The results of a position's score statistics and the pure arithmetic both implementations
share (quantiles, histogram bins, dimension means)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.offers.funnel import OfferFunnel

SMALL_SAMPLE = 5
BINS = 10
QUANTILE_METHOD = "linear interpolation between closest ranks (numpy default, percentile_cont)"


@dataclass(frozen=True)
class Bin:
    lower: float
    upper: float
    count: int


@dataclass(frozen=True)
class DimensionStats:
    key: str
    label: str
    count: int
    mean: float | None
    histogram: list[Bin]


@dataclass(frozen=True)
class EducationStats:
    education: str
    count: int
    mean: float | None


@dataclass(frozen=True)
class TopEntry:
    application_id: str
    candidate_name: str
    overall: float


@dataclass(frozen=True)
class PositionStats:
    position_id: str
    applications: int
    count: int
    mean: float | None
    median: float | None
    q1: float | None
    q3: float | None
    quantile_method: str
    histogram: list[Bin]
    dimensions: list[DimensionStats]
    top: list[TopEntry]
    by_education: list[EducationStats]
    interviews_due: int
    no_shows: int
    no_show_rate: float | None
    small_sample: bool
    offers: OfferFunnel | None = None  # the offer funnel (issue 19)


@dataclass(frozen=True)
class Aggregates:
    """What either implementation computes of the position's latest scores."""

    count: int
    total: float
    quartiles: tuple[float, float, float] | None
    bins: dict[int, int]
    dimensions: list[DimensionStats]
    top: list[TopEntry]
    by_education: list[EducationStats]


@dataclass(frozen=True)
class Counts:
    """What either implementation counts of the position's applications and interviews."""

    applications: int
    interviews_due: int
    no_shows: int


def histogram(counts: dict[int, int]) -> list[Bin]:
    """The ten bins of 0-100 from {bin index: count} (missing bins count 0)."""
    return [Bin(i * 10.0, i * 10.0 + 10.0, counts.get(i, 0)) for i in range(BINS)]


def quantile(sorted_values: list[float], q: float) -> float:
    """Linear-interpolation quantile of sorted values (numpy's default method)."""
    pos = (len(sorted_values) - 1) * q
    low = int(pos)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (pos - low)


def add_dimension_bin(
    grouped: dict[str, dict[str, Any]],
    *,
    key: str,
    label: str,
    bin_index: Any,
    count: int,
    total: Any,
) -> None:
    """Fold one (dimension, bin) group's count and score sum into `grouped`."""
    entry = grouped.setdefault(key, {"label": label, "count": 0, "sum": 0.0, "bins": {}})
    entry["count"] += count
    entry["sum"] += float(total or 0.0)
    if bin_index is not None:
        entry["bins"][int(bin_index)] = entry["bins"].get(int(bin_index), 0) + count


def dimension_stats(grouped: dict[str, dict[str, Any]]) -> list[DimensionStats]:
    """The per-dimension statistics of what `add_dimension_bin` folded, by key."""
    return [
        DimensionStats(
            key=key,
            label=e["label"],
            count=e["count"],
            mean=e["sum"] / e["count"] if e["count"] else None,
            histogram=histogram(e["bins"]),
        )
        for key, e in sorted(grouped.items())
    ]
