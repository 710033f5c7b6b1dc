"""The sweep report's best-against-seed difference: paired by document, with a bootstrap interval."""

from __future__ import annotations

from pathlib import Path

import pytest

from search import paired


def fake(monkeypatch: pytest.MonkeyPatch, seed: dict, best: dict) -> None:
    monkeypatch.setattr(paired, "per_document", lambda where: seed if where.name == "seed" else best)


def test_a_clear_gain_has_an_interval_above_zero_and_the_exact_point_difference(monkeypatch) -> None:
    seed = {f"d{i}": (float(i % 2), 20.0) for i in range(40)}  # half accepted, 20 calls each
    best = {f"d{i}": (1.0 if i % 4 else 0.0, 20.0) for i in range(40)}  # three quarters
    fake(monkeypatch, seed, best)
    out = paired.paired_difference(Path("seed"), Path("best"), "acceptance_rate")
    assert out["difference"] == pytest.approx(0.25) and out["documents"] == 40
    assert 0 < out["low"] <= out["difference"] <= out["high"]
    kcall = paired.paired_difference(Path("seed"), Path("best"), "accepted_per_kcall")
    assert kcall["difference"] == pytest.approx(1000 * 30 / 800 - 1000 * 20 / 800)


def test_buying_acceptance_with_calls_shows_as_no_gain_per_kcall(monkeypatch) -> None:
    seed = {f"d{i}": (float(i % 2), 20.0) for i in range(40)}
    best = {f"d{i}": (1.0, 40.0) for i in range(40)}  # every document accepted, at twice the calls
    fake(monkeypatch, seed, best)
    assert paired.paired_difference(Path("seed"), Path("best"), "acceptance_rate")["low"] > 0
    per_kcall = paired.paired_difference(Path("seed"), Path("best"), "accepted_per_kcall")
    assert per_kcall["difference"] == pytest.approx(0.0)
    assert per_kcall["low"] <= 0 <= per_kcall["high"]


def test_only_shared_documents_count_and_other_metrics_are_not_claimed(monkeypatch) -> None:
    fake(monkeypatch, {"a": (1.0, 10.0), "b": (0.0, 10.0)}, {"b": (1.0, 10.0), "c": (1.0, 10.0)})
    out = paired.paired_difference(Path("seed"), Path("best"), "acceptance_rate")
    assert out["documents"] == 1 and out["difference"] == pytest.approx(1.0)
    assert paired.paired_difference(Path("seed"), Path("best"), "gap_mean") is None
