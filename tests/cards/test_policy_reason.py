"""The HR card states the policy's reason in the card's language."""

from __future__ import annotations

from typing import Any

import pytest

from cards.text import policy_reason

ADVANCE: dict[str, Any] = {
    "rule": "overall_threshold",
    "suggestion": "advance",
    "threshold": 80,
    "values": {"overall": 91.0},
    "policy": {"scope": "default", "version": 0},
    "blocked_by": ["健康证"],
}
REJECT: dict[str, Any] = {
    "rule": "dimension_minimum",
    "suggestion": "reject",
    "threshold": {"night_shift": 60},
    "values": {"overall": 70.0},
    "violations": [{"key": "night_shift", "label": "夜班适应度", "value": 56.0, "minimum": 60}],
    "policy": {"scope": "pos-1", "version": 3},
}
REVIEW: dict[str, Any] = {
    "rule": "overall_threshold",
    "suggestion": "review",
    "threshold": 80.0,
    "values": {"overall": 68.5},
    "policy": {"scope": "global", "version": 2},
}


@pytest.mark.parametrize(
    ("explanation", "lang", "expected"),
    [
        (ADVANCE, "zh", "总分 91 ≥ 80；需先审核通过：健康证（默认策略 v0）"),
        (
            ADVANCE,
            "en",
            "overall 91 ≥ 80; advance blocked until approved: 健康证 (default policy v0)",
        ),
        (REJECT, "zh", "夜班适应度 56 低于 60（岗位策略 v3）"),
        (REVIEW, "en", "overall 68.5 < 80 (default policy v2)"),
    ],
)
def test_reason_in_the_cards_language(
    explanation: dict[str, Any], lang: str, expected: str
) -> None:
    assert policy_reason(explanation, lang) == expected
