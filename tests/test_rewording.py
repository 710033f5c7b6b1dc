"""Reworded advice acts like the original; negated advice moves acceptance the other way.

The advice is every wording with one label in the reader cases written by independent readers
(experiments/bench/rewording.py prints the full table). One round per document, so the
challenger's instructions act alone (with more rounds the orchestrator's guidance acts on top).
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "experiments" / "bench" / "rewording.py"
spec = importlib.util.spec_from_file_location("rewording_bench", BENCH)
rewording = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rewording)

DOCS, SEEDS, ROUNDS = 30, [11, 12], 1


@pytest.fixture(scope="module")
def seed_harness() -> float:
    return rewording.measure([""], 0, DOCS, SEEDS, ROUNDS)[0].mean


def group(concept: str, expect: str, counts: dict[str, int] | None = None, limit: int = 6) -> list[float]:
    texts = rewording.advice(concept, expect, counts, limit)
    assert len(texts) >= 4, (concept, expect, counts, texts)
    return [w.mean for w in rewording.measure(texts, 0, DOCS, SEEDS, ROUNDS)]


@pytest.mark.slow
@pytest.mark.parametrize("counts", [{"at_least": 5}, {"at_least": 4}])
def test_wordings_of_one_step_count_act_alike(seed_harness: float, counts: dict[str, int]) -> None:
    means = group("depth", "up", counts)
    # Every wording lifts acceptance, and they agree with each other to within run-to-run noise
    # (one run's acceptance on 30 documents has a standard error of about 0.09).
    assert min(means) > seed_harness + 0.15, (seed_harness, means)
    assert max(means) - min(means) <= 0.1, means


@pytest.mark.slow
def test_negated_advice_moves_acceptance_the_other_way(seed_harness: float) -> None:
    more, fewer = group("distractors", "up"), group("distractors", "down")
    assert statistics.fmean(more) > seed_harness > statistics.fmean(fewer), (more, seed_harness, fewer)


@pytest.mark.slow
def test_unknown_text_changes_nothing(seed_harness: float) -> None:
    assert group("unknown", "none") == [seed_harness] * 6  # common random numbers: byte-identical runs
