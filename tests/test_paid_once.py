"""Evaluations are content-addressed and never paid twice (README, "Search"): counted at the one
place an evaluation is paid for, ``run_generation`` in search/evaluation.py."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import search.evaluation as evaluation
from experiments.ablation import load_ablation, run_ablation
from search.config import load_sweep_config
from search.evaluation import Evaluator
from search.space import build_harness
from search.sweep import split_documents

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "experiments" / "configs" / "demo.yaml"


@pytest.fixture
def paid(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """(harness hash, split documents, seed) of every generation an evaluation paid for."""
    counts: Counter = Counter()
    real = evaluation.run_generation

    async def counted(config: Any, docs: Any, where: Path, **kw: Any) -> dict:
        counts[(config.harness_hash(), where.name.split("-")[1], config.seed)] += 1
        return await real(config, docs, where, **kw)

    monkeypatch.setattr(evaluation, "run_generation", counted)
    return counts


def small_sweep(tmp_path: Path, body: str = "") -> Path:
    path = tmp_path / "sweep.yaml"
    path.write_text(f"name: paid\nseed: 0\nbase: {DEMO}\nsearch:\n"
                    "  knobs:\n    challenger_temperature: {low: 0.2, high: 1.2}\n"
                    "  genes: [challenger_instructions]\n  splits: {train: 2, validation: 2, test: 2}\n"
                    "  operators: {optuna: 0.5, mutation: 0.5, merge: 0}\n"
                    f"  budget: {{candidates: 1}}\n  concurrency: 1\n{body}", encoding="utf-8")
    return path


def test_the_same_harness_is_evaluated_once_however_often_it_is_asked_for(tmp_path: Path, paid: Counter) -> None:
    config = load_sweep_config(small_sweep(tmp_path))
    splits = split_documents(config)
    seed = config.harness
    other = build_harness(seed, {"challenger_temperature": 1.1}, {})

    async def ask() -> list[float]:
        first = Evaluator(tmp_path / "out", splits, config.search, seed=0)
        together = await asyncio.gather(*(first.evaluate(seed, "train") for _ in range(3)))  # one at a time
        again = await first.evaluate(seed, "train")
        restarted = await Evaluator(tmp_path / "out", splits, config.search, seed=0).evaluate(seed, "train")
        await first.evaluate(other, "train")
        await first.evaluate(seed, "validation")
        await Evaluator(tmp_path / "out", splits, config.search, seed=1).evaluate(seed, "train")
        return [e.score for e in (*together, again, restarted)]

    scores = asyncio.run(ask())
    assert len(set(scores)) == 1  # every ask got the one evaluation's numbers
    # Paid once per harness, split and seed; another harness, split or seed is another evaluation.
    assert sorted(paid.values()) == [1, 1, 1, 1], paid
    assert {(split, s) for _, split, s in paid} == {("train", 0), ("validation", 0), ("train", 1)}
    assert len({h for h, _, _ in paid}) == 2


def test_an_ablation_evaluates_the_seed_harness_once_per_seed(tmp_path: Path, paid: Counter) -> None:
    """Two cells (mutation on, off) x two seeds, a budget of one candidate: each sweep evaluates
    only the seed harness, which both cells share: once per seed and split, not once per cell."""
    path = tmp_path / "ablation.yaml"
    path.write_text(f"sweep: {small_sweep(tmp_path)}\nname: shared\nfactors: {{mutation: [true, false]}}\n"
                    "seeds: [0, 1]\nmetrics: [seed_test_acceptance]\nconcurrency: 2\n", encoding="utf-8")
    ablation = load_ablation(path)
    results = asyncio.run(run_ablation(ablation, tmp_path / "out"))
    assert {cell: sorted(seeds) for cell, seeds in results.items()} == {c.name: [0, 1] for c in ablation.cells}
    assert len(ablation.cells) == 2
    assert len({h for h, _, _ in paid}) == 1  # the seed harness only
    assert paid == Counter({(h, split, s): 1 for h, _, _ in paid for split in ("train", "validation", "test")
                            for s in (0, 1)}), paid
    for seed in (0, 1):  # and both cells read the same numbers for it (paired)
        assert len({results[c.name][seed]["seed_test_acceptance"] for c in ablation.cells}) == 1
