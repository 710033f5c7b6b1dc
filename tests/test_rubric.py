"""rubric_score and rubric_problems on hand-computed cases."""

from __future__ import annotations

import random

import pytest

from harness.rubric import Criterion, rubric_problems, rubric_score


def rubric(*weights: float) -> list[Criterion]:
    return [Criterion(criterion=f"criterion {i}", weight=w) for i, w in enumerate(weights)]


def test_all_positive_met_scores_one():
    assert rubric_score(rubric(4, 2, 1, 1), [True, True, True, True]) == 1.0


def test_partial_credit_is_earned_over_positive_total():
    # positive total 8; earned 4 + 1 = 5
    assert rubric_score(rubric(4, 2, 1, 1), [True, False, True, False]) == pytest.approx(5 / 8)


def test_negative_weight_not_triggered_costs_nothing():
    # positive total 4 + 2 = 6 (the -2 is not part of the denominator); bad behaviour absent
    assert rubric_score(rubric(4, 2, -2), [True, False, False]) == pytest.approx(4 / 6)


def test_negative_weight_counted_when_bad_behaviour_occurs():
    # earned 4 + 2 - 3 = 3 of positive total 6
    assert rubric_score(rubric(4, 2, -3), [True, True, True]) == pytest.approx(3 / 6)


def test_all_met_with_a_negative_that_occurs_is_below_one():
    assert rubric_score(rubric(2, 2, -1), [True, True, True]) == pytest.approx(3 / 4)


def test_clipped_at_zero():
    # earned 1 - 4 = -3 of 5: clipped to 0, never negative
    assert rubric_score(rubric(4, 1, -4), [False, True, True]) == 0.0


def test_clipped_at_one_and_matches_the_formula_on_random_rubrics():
    # Negative criteria only subtract, so the raw ratio never exceeds 1; check the bounds and
    # the formula clip(sum(w_i s_i) / sum(w_i > 0), 0, 1) on many random rubrics.
    rng = random.Random(0)
    for _ in range(500):
        weights = [rng.choice([-4, -2, -1, 0.5, 1, 2, 4]) for _ in range(rng.randint(1, 15))]
        verdicts = [rng.random() < 0.5 for _ in weights]
        positive = sum(w for w in weights if w > 0)
        earned = sum(w for w, s in zip(weights, verdicts, strict=True) if s)
        expected = min(1.0, max(0.0, earned / positive)) if positive > 0 else 0.0
        score = rubric_score(rubric(*weights), verdicts)
        assert 0.0 <= score <= 1.0
        assert score == pytest.approx(expected)
    assert rubric_score(rubric(0.5, 0.25, 0.25), [True, True, True]) == 1.0


def test_mismatched_lengths_raise():
    with pytest.raises(ValueError, match="2 verdicts for 3 criteria"):
        rubric_score(rubric(1, 2, 3), [True, False])
    with pytest.raises(ValueError):
        rubric_score(rubric(1), [True, True])


def test_no_positive_weight_scores_zero():
    assert rubric_score(rubric(-1, -2), [False, False]) == 0.0
    assert rubric_score(rubric(-1, -2), [True, True]) == 0.0
    assert rubric_score(rubric(0, -2), [True, False]) == 0.0
    assert rubric_score([], []) == 0.0


def test_zero_weight_criterion_contributes_nothing():
    assert rubric_score(rubric(2, 0, 2), [True, True, False]) == pytest.approx(0.5)


def test_rubric_problems_clean_rubric_has_none():
    assert rubric_problems(rubric(4, -4, 2, 1), size_min=2, size_max=6) == []


def test_rubric_problems_wrong_size():
    problems = rubric_problems(rubric(1, 1, 1), size_min=10, size_max=15)
    assert problems == ["3 criteria, expected 10-15"]
    assert rubric_problems(rubric(*([1] * 16)), size_min=10, size_max=15) == ["16 criteria, expected 10-15"]
    assert rubric_problems(rubric(*([1] * 10)), size_min=10, size_max=15) == []
    assert rubric_problems(rubric(*([1] * 15)), size_min=10, size_max=15) == []


def test_rubric_problems_zero_weight():
    assert rubric_problems(rubric(1, 0, 2)) == ["a criterion has weight 0"]


def test_rubric_problems_duplicates_ignore_case_and_spaces():
    items = [Criterion(criterion="Cites Rule 3.", weight=1), Criterion(criterion="  cites rule 3. ", weight=2)]
    assert rubric_problems(items) == ["duplicate criteria"]


def test_rubric_problems_no_positive_weight():
    assert rubric_problems(rubric(-1, -2)) == ["no positive weight"]


def test_rubric_problems_reports_every_problem_at_once():
    items = [Criterion(criterion="same", weight=0), Criterion(criterion="same", weight=-1)]
    problems = rubric_problems(items, size_min=3, size_max=5)
    assert set(problems) == {
        "2 criteria, expected 3-5",
        "no positive weight",
        "a criterion has weight 0",
        "duplicate criteria",
    }
