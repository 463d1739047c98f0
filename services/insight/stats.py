"""The statistics of the insight reports, in plain Python (pure: no IO).

Pearson's r, Spearman's rho (Pearson on average ranks), and a 95% confidence interval from
Fisher's z transform: z = atanh(r), se = 1 / sqrt(n - 3), back with tanh. The same interval is
used for rho (an approximation the report says it is).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from operator import mul
from statistics import NormalDist

Z_95 = NormalDist().inv_cdf(0.975)  # 1.959963...


@dataclass(frozen=True)
class Correlation:
    n: int
    pearson: float | None
    spearman: float | None
    # 95% interval of Pearson's r (Fisher z); None below four pairs or for |r| = 1.
    ci_low: float | None
    ci_high: float | None


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's r, or None when fewer than two pairs or either side is constant."""
    n = len(xs)
    if n != len(ys):
        raise ValueError("xs and ys differ in length")
    if n < 2:
        return None
    mx, my = math.fsum(xs) / n, math.fsum(ys) / n
    dx = [x - mx for x in xs]
    dy = [y - my for y in ys]
    # map(mul, ...) keeps the products in C: a few thousand pairs cost well under a millisecond.
    sxy = math.fsum(map(mul, dx, dy))
    sxx = math.fsum(map(mul, dx, dx))
    syy = math.fsum(map(mul, dy, dy))
    if sxx == 0 or syy == 0:
        return None
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks, ties given their average rank."""
    order = sorted(range(len(values)), key=values.__getitem__)
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        average = (i + j) / 2 + 1
        for k in range(i, j + 1):
            out[order[k]] = average
        i = j + 1
    return out


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Spearman's rho: Pearson's r of the ranks."""
    return pearson(ranks(xs), ranks(ys))


def fisher_interval(r: float, n: int) -> tuple[float, float] | None:
    """The 95% confidence interval of a correlation r over n pairs (Fisher's z)."""
    if n < 4 or abs(r) >= 1:
        return None
    z = math.atanh(r)
    half = Z_95 / math.sqrt(n - 3)
    return math.tanh(z - half), math.tanh(z + half)


def correlate(xs: Sequence[float], ys: Sequence[float]) -> Correlation:
    """Pearson, Spearman and the interval of Pearson's r for paired values."""
    r = pearson(xs, ys)
    interval = fisher_interval(r, len(xs)) if r is not None else None
    return Correlation(
        n=len(xs),
        pearson=r,
        spearman=spearman(xs, ys),
        ci_low=interval[0] if interval else None,
        ci_high=interval[1] if interval else None,
    )


def mean(values: Sequence[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None
