"""The personal training plan: for each weak dimension of the candidate's latest visible score,
what they will take and why ("谈判技巧 70 < 75"). Pure: rows and dimensions in, plan out.

A catalogue row is (dimension key, below this score, course key, title, hours, kind); a
dimension is weak for a row when its 0-100 score is strictly under the row's threshold. The
built-in rows cover the common dimensions; the plan is empty (with a kind sentence on the page)
when nothing is weak.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

KINDS = ("online", "workshop", "mentor")
NOTHING_WEAK = "面试中各项能力均达到要求，入职后按常规培训安排即可。"


@dataclass(frozen=True)
class CourseRow:
    dimension_key: str
    below: float
    course_key: str
    course_title: str
    hours: float
    kind: str  # KINDS


@dataclass(frozen=True)
class Dimension:
    key: str
    label: str
    score: float
    max_score: float


@dataclass(frozen=True)
class PlanItem:
    course_key: str
    course_title: str
    hours: float
    kind: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT_ROWS: tuple[CourseRow, ...] = (
    CourseRow("negotiation", 75, "negotiation-online", "谈判技巧线上课", 20, "online"),
    CourseRow("negotiation", 75, "negotiation-workshop", "谈判实战工作坊（一天）", 8, "workshop"),
    CourseRow("communication", 70, "communication-online", "高效沟通与结构化表达", 6, "online"),
    CourseRow("service_attitude", 70, "service-etiquette", "门店服务礼仪", 4, "online"),
    CourseRow("customer_orientation", 70, "customer-mentor", "老员工带教：顾客服务", 16, "mentor"),
    CourseRow("logic", 70, "logic-online", "逻辑思维训练", 6, "online"),
    CourseRow("teamwork", 70, "teamwork-workshop", "团队协作工作坊", 4, "workshop"),
)


def _scaled(dim: Dimension) -> float:
    return round(dim.score * 100 / dim.max_score, 1) if dim.max_score else dim.score


def training_plan(dimensions: Iterable[Dimension], rows: Iterable[CourseRow]) -> list[PlanItem]:
    """The plan, weakest dimension first, each course once."""
    dims = sorted(dimensions, key=_scaled)
    table = list(rows)
    plan: list[PlanItem] = []
    seen: set[str] = set()
    for dim in dims:
        score = _scaled(dim)
        for row in table:
            if row.dimension_key != dim.key or not score < row.below or row.course_key in seen:
                continue
            seen.add(row.course_key)
            reason = f"{dim.label or dim.key} {score:g} < {row.below:g}"
            plan.append(PlanItem(row.course_key, row.course_title, row.hours, row.kind, reason))
    return plan
