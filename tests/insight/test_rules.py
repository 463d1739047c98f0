"""The pure rules: correlations against values worked out by hand, the feedback's wording, the
four-fifths ratios with small groups suppressed, the probation arithmetic."""

from __future__ import annotations

import math

import pytest

from services.decisions.policy import PolicyConfig
from services.insight.fairness import group_rates
from services.insight.feedback import CatalogText, DimensionScore, build_feedback, fit_level
from services.insight.probation import CourseResult, ReviewResult, probation_score
from services.insight.stats import correlate, ranks
from services.insight.validity import cutoff_statement

# x = 1..5, y = 2, 4, 5, 4, 5. By hand: mean x 3, mean y 4; deviations x -2 -1 0 1 2, y -2 0 1
# 0 1; Sxy = 4 + 2 = 6, Sxx = 10, Syy = 6: r = 6 / sqrt(60) = 0.774597.
# Ranks of y with ties averaged: 1, 2.5, 4.5, 2.5, 4.5 (mean 3); Sxy = 4 + 0.5 - 0.5 + 3 = 7,
# Syy = 4 + 0.25 + 2.25 + 0.25 + 2.25 = 9: rho = 7 / sqrt(90) = 0.737865.
# Fisher: z = atanh(0.774597) = 1.031718, se = 1 / sqrt(5 - 3) = 0.707107, z +- 1.959964 se =
# -0.354186 .. 2.417622, tanh back: -0.340082 .. 0.984236.
XS = [1.0, 2.0, 3.0, 4.0, 5.0]
YS = [2.0, 4.0, 5.0, 4.0, 5.0]


def test_correlations_match_the_hand_computed_values() -> None:
    c = correlate(XS, YS)
    assert c.n == 5
    assert c.pearson == pytest.approx(0.774597, abs=1e-6)
    assert c.spearman == pytest.approx(0.737865, abs=1e-6)
    assert c.ci_low == pytest.approx(-0.340082, abs=1e-6)
    assert c.ci_high == pytest.approx(0.984236, abs=1e-6)
    assert ranks(YS) == [1.0, 2.5, 4.5, 2.5, 4.5]


def test_perfect_or_constant_data_has_no_interval_or_no_correlation() -> None:
    perfect = correlate(XS, [2 * x for x in XS])
    assert perfect.pearson == pytest.approx(1.0) and perfect.ci_low is None
    constant = correlate(XS, [3.0] * 5)
    assert constant.pearson is None and constant.spearman is None
    # Spearman sees a monotone but curved relation as perfect; Pearson does not.
    curved = correlate(XS, [math.exp(x) for x in XS])
    assert curved.spearman == pytest.approx(1.0) and curved.pearson < 0.95


def test_cutoff_statement_compares_means_with_n_on_both_sides() -> None:
    pairs = [(90.0, 84.0), (85.0, 78.0), (70.0, 60.0), (60.0, 70.0), (84.9, 65.0)]
    s = cutoff_statement(pairs, cutoff=85, measure="overall", label="overall score", lang="en")
    assert (s.n_at_or_above, s.n_below) == (2, 3)
    assert s.mean_at_or_above == pytest.approx(81.0)
    assert s.mean_below == pytest.approx(65.0)
    assert s.difference_percent == pytest.approx(24.62, abs=0.01)  # (81 - 65) / 65
    assert "(2) averaged 81.0" in s.text and "other 3" in s.text and "25% higher" in s.text


CATALOG = {"logic": CatalogText("Practise structured expression.", "Course: Logic 101")}
FALLBACK = CatalogText("Practise with a friend.")


def _dims(**scores: float) -> list[DimensionScore]:
    return [DimensionScore(k, k.title(), v, 100) for k, v in scores.items()]


def test_feedback_names_strengths_weak_points_with_suggestions_and_growth() -> None:
    fb = build_feedback(
        _dims(communication=88, logic=52, teamwork=79),
        minimums={},
        catalog=CATALOG,
        fallback=FALLBACK,
        lang="en",
    )
    assert [s.key for s in fb.strengths] == ["communication", "teamwork"]
    assert [(w.key, w.text) for w in fb.work_on] == [
        ("logic", "Logic is weaker: Practise structured expression.")
    ]
    assert [(g.key, g.text) for g in fb.growth] == [("logic", "Course: Logic 101")]
    assert fb.fit == [] and "no requirement per ability" in fb.fit_summary


def test_without_weak_dimensions_the_lowest_below_strong_is_the_one_to_work_on() -> None:
    fb = build_feedback(
        _dims(communication=90, teamwork=70), minimums={}, catalog={}, fallback=FALLBACK, lang="zh"
    )
    assert [s.key for s in fb.strengths] == ["communication"]
    assert [w.text for w in fb.work_on] == ["Teamwork相对薄弱：Practise with a friend."]
    assert fb.growth == []  # the fallback has no growth suggestion
    all_strong = build_feedback(
        _dims(a=90, b=80), minimums={}, catalog={}, fallback=FALLBACK, lang="zh"
    )
    assert all_strong.work_on == []


@pytest.mark.parametrize(
    ("value", "minimum", "level"),
    [(59.99, 60, "below"), (60, 60, "meets"), (74.99, 60, "meets"), (75, 60, "above")],
)
def test_fit_levels_at_their_edges(value: float, minimum: float, level: str) -> None:
    assert fit_level(value, minimum) == level


def test_fit_is_in_words_and_never_shows_the_internal_thresholds() -> None:
    fb = build_feedback(
        _dims(night_shift=67, communication=93.5),
        minimums={"night_shift": 68.5, "communication": 71.25},
        catalog={},
        fallback=FALLBACK,
        lang="en",
    )
    assert [(f.key, f.level) for f in fb.fit] == [
        ("night_shift", "below"),
        ("communication", "above"),
    ]
    # Below the position's minimum is something to work on even above the general "weak" line.
    assert [w.key for w in fb.work_on] == ["night_shift"]
    assert fb.fit_summary.startswith("Night_Shift: not yet")
    text = repr(fb)
    for secret in ("68.5", "71.25", "67", "93.5"):
        assert secret not in text


def test_four_fifths_ratios_and_small_groups_suppressed() -> None:
    outcomes = (
        [("bachelor", True)] * 6 + [("bachelor", False)] * 4  # 10: 0.6
        + [("high_school", True)] * 4 + [("high_school", False)] * 6  # 10: 0.4
        + [("master", True)] * 9  # 9: suppressed, whatever its rate
        + [(None, True)] * 5 + [(None, False)] * 7  # 12 unknown: 5/12
    )  # fmt: skip
    groups = {g.education: g for g in group_rates(outcomes)}
    assert list(groups) == ["high_school", "bachelor", "master", "unknown"]
    master = groups["master"]
    assert master.suppressed and master.count is None and master.rate is None
    assert groups["bachelor"].ratio == 1.0 and groups["bachelor"].below_four_fifths is False
    assert groups["high_school"].rate == 0.4
    assert groups["high_school"].ratio == pytest.approx(0.6667, abs=1e-4)
    assert groups["high_school"].below_four_fifths is True
    # 5/12 / 0.6 = 0.6944: under four fifths.
    assert groups["unknown"].ratio == pytest.approx(0.6944, abs=1e-4)


def test_a_ratio_of_exactly_four_fifths_is_not_flagged() -> None:
    outcomes = [("bachelor", i < 5) for i in range(10)] + [("master", i < 4) for i in range(10)]
    groups = {g.education: g for g in group_rates(outcomes)}
    assert (
        groups["master"].ratio == pytest.approx(0.8) and groups["master"].below_four_fifths is False
    )


COURSES = [
    CourseResult("a", "A", 100, 80),
    CourseResult("b", "B", 60, None),
]


def test_probation_is_training_30_and_performance_70_by_default() -> None:
    reviews = [ReviewResult("2027-Q1", 70), ReviewResult("probation", 90)]
    result = probation_score("app-1", reviews, COURSES, PolicyConfig())
    # Training effect: mean completion 80 and mean exam 80 -> 80. Performance: the probation
    # review, 90. 0.3 x 80 + 0.7 x 90 = 87.
    assert (result.training_effect, result.performance, result.score) == (80, 90, 87)
    assert result.performance_source == "probation"
    assert result.computation == "0.3 × 80.00 + 0.7 × 90.00 = 87.00"


def test_probation_weights_and_formula_come_from_the_policy() -> None:
    config = PolicyConfig(probation_training_weight=0.5, training_effect="completion")
    reviews = [ReviewResult("2027-Q1", 70), ReviewResult("2027-Q2", 80)]
    result = probation_score("app-1", reviews, COURSES, config)
    # Completion 80, performance the mean of the reviews 75: 0.5 x 80 + 0.5 x 75 = 77.5.
    assert (result.score, result.performance_source) == (77.5, "mean_of_reviews")


def test_probation_without_reviews_or_training_says_why() -> None:
    none = probation_score("app-1", [], COURSES, PolicyConfig())
    assert not none.available and none.reason == "no performance review yet"
    no_exam = probation_score(
        "app-1", [ReviewResult("probation", 80)], [COURSES[1]], PolicyConfig(training_effect="exam")
    )
    assert no_exam.score is None and "training" in (no_exam.reason or "")
