"""The training plan for given dimension scores and catalogue rows, including none weak."""

from __future__ import annotations

from services.onboarding.training_plan import (
    DEFAULT_ROWS,
    CourseRow,
    Dimension,
    training_plan,
)


def test_a_weak_negotiation_gets_the_course_and_the_workshop_with_the_reason() -> None:
    dims = [
        Dimension("negotiation", "谈判技巧", 70, 100),
        Dimension("communication", "沟通", 88, 100),
    ]
    plan = training_plan(dims, DEFAULT_ROWS)
    assert [(p.course_title, p.hours, p.kind, p.reason) for p in plan] == [
        ("谈判技巧线上课", 20, "online", "谈判技巧 70 < 75"),
        ("谈判实战工作坊（一天）", 8, "workshop", "谈判技巧 70 < 75"),
    ]


def test_weakest_first_scaled_to_100_and_the_threshold_is_strict() -> None:
    rows = [
        CourseRow("logic", 60, "logic-1", "逻辑", 6, "online"),
        CourseRow("teamwork", 70, "team-1", "协作", 4, "workshop"),
    ]
    dims = [
        Dimension("teamwork", "团队协作", 6.5, 10),  # 65 on the 0-100 scale
        Dimension("logic", "逻辑", 2.5, 5),  # 50
    ]
    assert [p.reason for p in training_plan(dims, rows)] == ["逻辑 50 < 60", "团队协作 65 < 70"]
    at_threshold = [Dimension("logic", "逻辑", 60, 100)]
    assert training_plan(at_threshold, rows) == []


def test_nothing_weak_is_an_empty_plan() -> None:
    dims = [Dimension("negotiation", "谈判技巧", 90, 100), Dimension("unknown", "其他", 10, 100)]
    assert training_plan(dims, DEFAULT_ROWS) == []
    assert training_plan([], DEFAULT_ROWS) == []
