"""Racing (search/racing.py): a child is evaluated first on part of the validation documents, and
an evaluation extended to more documents gives the same per-document results as one run on all of
them at once, paying only for the documents it adds."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from search.config import load_sweep_config
from search.evaluation import Evaluator
from search.noise import Comparison
from search.paired import per_document
from search.racing import first_documents, stops
from search.sweep import split_documents

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "experiments" / "configs" / "demo.yaml"


def comparison(p_better: float | None) -> Comparison:
    return Comparison(parent=0, draw=0, parent_score=1.0, parent_values=(1.0,), parent_acceptance=0.5,
                      child_score=0.9, p_better=p_better, better=False)


def test_the_part_a_child_is_raced_on_first() -> None:
    assert first_documents(100, 0.25) == 25
    assert first_documents(101, 0.25) == 26  # rounded up
    assert first_documents(30, 0.25) == 10  # never fewer than MIN_DOCUMENTS: one document's luck stops nobody
    assert first_documents(10, 0.25) is None and first_documents(8, 0.5) is None  # the part would be the whole
    assert first_documents(3, 0.1, least=1) == 1
    assert first_documents(100, 0.0) is None  # off


@pytest.mark.parametrize("shares, confidence, stopped", [
    ([0.2], 0.8, True),   # the parent better in 80% of resamples: the child needed as much to enter
    ([0.21], 0.8, False),
    ([0.5], 0.8, False),
    ([0.95, 0.05], 0.8, True),  # any parent (a merge has two) that is clearly better stops it
    ([None], 0.8, False),  # an objective that cannot be resampled never stops a child early
    ([0.3], 0.7, True),
])
def test_a_child_stops_only_when_a_parent_is_better_with_the_selection_confidence(
        shares: list[float | None], confidence: float, stopped: bool) -> None:
    assert stops([comparison(s) for s in shares], confidence) is stopped


def test_an_evaluation_extended_to_more_documents_equals_one_run_on_all_and_pays_only_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "sweep.yaml"
    path.write_text(f"name: race\nseed: 0\nbase: {DEMO}\nsearch:\n"
                    "  knobs:\n    challenger_temperature: {low: 0.2, high: 1.2}\n"
                    "  splits: {train: 2, validation: 6, test: 2}\n", encoding="utf-8")
    config = load_sweep_config(path)
    splits = split_documents(config)
    harness = config.harness

    async def go() -> tuple:
        staged = Evaluator(tmp_path / "staged", splits, config.search, seed=0)
        part = await staged.evaluate(harness, "validation", first=2)  # the Evaluator takes any part
        whole = await staged.evaluate(harness, "validation")
        again = await staged.evaluate(harness, "validation", first=2)  # the larger run covers it
        direct = await Evaluator(tmp_path / "direct", splits, config.search, seed=0).evaluate(harness, "validation")
        return part, whole, again, direct

    part, whole, again, direct = asyncio.run(go())
    assert part.out == whole.out and part.fresh and whole.fresh and not again.fresh
    assert len(per_document(direct.out)) == 6
    assert per_document(whole.out) == per_document(direct.out)  # the same rounds, document by document
    assert whole.values == direct.values and whole.cost() == direct.cost()
    assert 0 < part.cost()["calls"] < whole.cost()["calls"]
    assert part.added() == part.cost()  # new: all of it
    assert whole.added() == {k: whole.cost()[k] - part.cost()[k] for k in whole.cost()}  # extended: the rest
    assert all(v == 0 for v in again.added().values()) and again.values == whole.values
    summary = json.loads((whole.out / "summary.json").read_text(encoding="utf-8"))
    assert len(summary["document_ids"]) == 6
