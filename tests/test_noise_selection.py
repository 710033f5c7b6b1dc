"""Noise-aware selection (search/noise.py): the paired test, the order of draws, and a parent's
score as the mean of its draws."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from search import noise


def fake(monkeypatch: pytest.MonkeyPatch, by_name: dict[str, dict]) -> None:
    monkeypatch.setattr(noise, "per_document", lambda where: by_name[where.name])


def evaluation(name: str, score: float) -> SimpleNamespace:
    return SimpleNamespace(out=Path(name), score=score, values=(score,), acceptance=score)


def docs(accepted: list[int], calls: float = 20.0) -> dict[str, tuple[float, float]]:
    return {f"d{i}": (float(a), calls) for i, a in enumerate(accepted)}


def test_a_child_better_on_one_document_in_thirty_is_noise_and_stays_out(monkeypatch) -> None:
    parent = [1] * 15 + [0] * 15
    child = [1] * 16 + [0] * 14  # one more accepted document: better on the mean
    fake(monkeypatch, {"parent": docs(parent), "child": docs(child)})
    c = noise.compare(0, 0, evaluation("parent", 0.5), evaluation("child", 16 / 30), "acceptance_rate",
                      True, confidence=0.8, seed=1)
    # Strictly better only in resamples that draw that document: 1 - (29/30)^30 = 0.64.
    assert c.p_better == pytest.approx(1 - (29 / 30) ** 30, abs=0.04) and not c.better
    # Close to the old rule ("better on the mean") is confidence 0.5: it keeps it.
    assert noise.compare(0, 0, evaluation("parent", 0.5), evaluation("child", 16 / 30), "acceptance_rate",
                         True, confidence=0.5, seed=1).better


def test_a_child_better_on_many_documents_enters(monkeypatch) -> None:
    parent = [1] * 12 + [0] * 18
    child = [1] * 21 + [0] * 9
    fake(monkeypatch, {"parent": docs(parent), "child": docs(child)})
    c = noise.compare(0, 2, evaluation("parent", 0.4), evaluation("child", 0.7), "acceptance_rate",
                      True, confidence=0.8, seed=1)
    assert c.p_better > 0.95 and c.better and c.record()["draw"] == 2


def test_accepted_per_kcall_is_resampled_with_the_calls_and_direction_is_respected(monkeypatch) -> None:
    # The child accepts every document at three times the calls: fewer accepted per 1,000 calls.
    fake(monkeypatch, {"parent": docs([1] * 15 + [0] * 15, 20.0), "child": docs([1] * 30, 60.0)})
    parent, child = evaluation("parent", 25.0), evaluation("child", 1000 * 30 / 1800)
    assert noise.compare(0, 0, parent, child, "accepted_per_kcall", True, 0.8, seed=1).p_better < 0.05
    assert noise.compare(0, 0, parent, child, "acceptance_rate", True, 0.8, seed=1).p_better > 0.95
    assert noise.compare(0, 0, parent, child, "acceptance_rate", False, 0.8, seed=1).p_better < 0.05


def test_identical_results_never_enter_and_other_metrics_fall_back_to_the_same_draw(monkeypatch) -> None:
    same = docs([1] * 10 + [0] * 10)
    fake(monkeypatch, {"parent": same, "child": same})
    tie = noise.compare(0, 0, evaluation("parent", 0.5), evaluation("child", 0.5), "acceptance_rate",
                        True, confidence=0.5, seed=1)
    assert tie.p_better == 0.0 and not tie.better
    other = noise.compare(0, 0, evaluation("parent", 3.0), evaluation("child", 3.5), "mean_depth", True, 0.8, 1)
    assert other.p_better is None and other.better


def test_a_parent_is_compared_at_its_own_draw_first_then_at_the_others_in_turn() -> None:
    assert [noise.draw_for(0, k, 3) for k in range(7)] == [0, 1, 2, 0, 1, 2, 0]
    assert [noise.draw_for(2, k, 3) for k in range(4)] == [2, 0, 1, 2]
    assert [noise.draw_for(0, k, 1) for k in range(3)] == [0, 0, 0]


def trial(number: int, **attrs: object) -> SimpleNamespace:
    return SimpleNamespace(number=number, user_attrs=attrs)


def test_a_parents_score_is_the_mean_of_its_draws_each_counted_once() -> None:
    trials = [
        trial(0, validation_score=30.0, validation_values=[30.0, 0.5], validation_draw=0, validation_acceptance=0.5),
        trial(1, validation_score=36.0, validation_values=[36.0, 0.8], validation_draw=1, validation_acceptance=0.8,
              parent_draws=[{"parent": 0, "draw": 1, "score": 24.0, "values": [24.0, 0.4], "acceptance": 0.4}]),
        trial(2, validation_score=20.0, validation_values=[20.0, 0.3], validation_draw=1,
              parent_draws=[{"parent": 0, "draw": 1, "score": 24.0, "values": [24.0, 0.4]}]),  # the same draw again
        trial(3, validation_score=31.0, validation_values=[31.0, 0.6], validation_draw=0,
              parent_draws=[{"parent": 1, "draw": 0, "score": 28.0, "values": [28.0, 0.7], "acceptance": 0.7}]),
    ]
    means = noise.mean_draws(trials)
    assert means[0].score == pytest.approx(27.0) and means[0].values == pytest.approx((27.0, 0.45))
    assert means[0].acceptance == pytest.approx(0.45) and means[0].count == 2
    assert means[1].score == pytest.approx(32.0) and means[1].acceptance == pytest.approx(0.75)
    assert means[2].count == 1 and means[2].score == 20.0 and means[2].acceptance is None
