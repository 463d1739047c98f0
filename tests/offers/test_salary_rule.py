"""The salary rule: linear within the band from the qualifying score to the top score."""

from __future__ import annotations

import pytest

from services.offers.salary import OfferRules, SalaryBand, outside_band, parse_band, propose_salary

BAND = SalaryBand(min=8000, max=10000)
RULES = OfferRules()


def test_the_articles_example() -> None:
    proposal = propose_salary(BAND, 90, RULES)
    assert proposal.amount == 10_000
    assert proposal.reason == "岗位薪资带 8,000–10,000，综合分 90 → 10,000"


@pytest.mark.parametrize(
    ("score", "amount"),
    [
        (80, 8000),  # the band's minimum at the qualifying score
        (85, 9000),  # halfway
        (83.3, 8700),  # 8,660 rounded to 100
        (82.25, 8500),  # 8,450 rounds half up
        (90, 10000),  # the maximum at the top score
        (99.5, 10000),  # and above it
    ],
)
def test_at_and_between_the_band_ends(score: float, amount: int) -> None:
    proposal = propose_salary(BAND, score, RULES)
    assert proposal.qualifies and proposal.amount == amount
    assert proposal.basis["rule"] == "linear_in_band"


def test_below_the_threshold_drafts_nothing() -> None:
    proposal = propose_salary(BAND, 79.9, RULES)
    assert not proposal.qualifies and proposal.amount is None
    assert "低于录用线 80" in proposal.reason


def test_without_a_band_hr_fills_the_salary_in() -> None:
    proposal = propose_salary(None, 88, RULES)
    assert proposal.qualifies and proposal.amount is None
    assert "未设薪资带" in proposal.reason


def test_rules_are_data() -> None:
    rules = OfferRules(qualifying_score=70, top_score=80, rounding=500)
    assert propose_salary(BAND, 75, rules).amount == 9000
    assert propose_salary(SalaryBand(min=8000, max=9999), 80, rules).amount == 9999
    with pytest.raises(ValueError, match="top_score"):
        OfferRules(qualifying_score=90, top_score=90)


def test_band_parsing_and_outside() -> None:
    assert parse_band({"min": 8000, "max": 10000, "period": "month"}) == BAND
    assert parse_band({"min": 9, "max": 1}) is None
    assert parse_band("8000-10000") is None and parse_band(None) is None
    assert outside_band(10100, BAND) and outside_band(7900, BAND)
    assert not outside_band(10000, BAND) and not outside_band(12000, None)
