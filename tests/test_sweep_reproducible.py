"""An offline sweep gives the same study run after run (two candidates in flight, racing on 10 of
12 validation documents): the README's and the docs' demo numbers are reproducible. What would
break it, a wait whose length the machine's speed decides, is tested on its own in
tests/test_sweep_selection.py."""

from __future__ import annotations

import asyncio
from pathlib import Path

from search.config import load_sweep_config
from search.sweep import Sweep

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "experiments" / "configs" / "demo.yaml"


def study(tmp_path: Path, name: str) -> list[tuple]:
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"name: again\nseed: 0\nbase: {DEMO}\nsearch:\n"
                    "  knobs:\n    challenger_temperature: {low: 0.2, high: 1.2}\n    round_budget: {low: 3, high: 8}\n"
                    "  genes: [challenger_instructions]\n  splits: {train: 2, validation: 12, test: 2}\n"
                    "  operators: {optuna: 0.5, mutation: 0.5, merge: 0}\n"
                    "  selection: {race: 0.25}\n"
                    "  budget: {candidates: 8}\n  concurrency: 2\n", encoding="utf-8")
    sweep = Sweep(load_sweep_config(path), tmp_path / name, storage=f"sqlite:///{tmp_path / name}.db")
    spent = asyncio.run(sweep.run())
    return [(spent.calls, spent.candidates)] + [
        (t.number, t.state.name, t.user_attrs.get("operator"), t.user_attrs.get("parents"), sorted(t.params.items()),
         t.user_attrs.get("validation_score"), (t.user_attrs.get("cost") or {}).get("calls"))
        for t in sweep.trials()]


def test_the_same_sweep_twice_gives_the_same_trials_costs_and_scores(tmp_path: Path) -> None:
    first, second = study(tmp_path, "first"), study(tmp_path, "second")
    assert first == second
    children = [row for row in first[1:] if row[2] not in (None, "seed") and row[6]]  # evaluated, paid for
    assert first[0][1] == 8 and len(children) >= 5
