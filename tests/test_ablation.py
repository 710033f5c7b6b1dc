"""autodata ablate: validation before any cell, statistics, pairing, resume, outputs."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from experiments.ablation import effect, estimate, load_ablation, run_ablation
from harness.adapter import call_settings
from harness.config import ConfigError

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "experiments" / "configs" / "demo.yaml"


def write(tmp_path: Path, body: str, name: str = "ablation.yaml") -> Path:
    path = tmp_path / name
    path.write_text(f"base: {DEMO}\n" + body)
    return path


def cli(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, AUTODATA_STORE=str(tmp_path / "store"))
    env.pop("MLFLOW_TRACKING_URI", None)
    return subprocess.run([sys.executable, "-m", "experiments.cli", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)


def test_estimate_is_mean_with_student_t_interval():
    e = estimate([1.0, 2.0, 3.0])
    # mean 2, sd 1, t(0.975, 2) = 4.302653: half width 4.302653 / sqrt(3) = 2.484138
    assert e.mean == pytest.approx(2.0)
    assert e.low == pytest.approx(2.0 - 2.484138, abs=1e-5)
    assert e.high == pytest.approx(2.0 + 2.484138, abs=1e-5)
    assert estimate([5.0]).low is None and estimate([]).mean is None


def test_effect_is_paired_by_seed():
    base = {0: {"m": 0.5}, 1: {"m": 0.6}, 2: {"m": 0.7}}
    cell = {0: {"m": 0.3}, 1: {"m": 0.5}, 2: {"m": 0.4}}
    e = effect(base, cell, "m", "off")
    # differences -0.2, -0.1, -0.3: mean -0.2, sd 0.1; paired t = -0.2 / (0.1 / sqrt 3) = -3.4641, p = 0.0742
    assert e.difference.mean == pytest.approx(-0.2)
    assert e.p_value == pytest.approx(0.0742, abs=1e-3)
    assert not math.isnan(e.difference.low)


def test_unknown_setting_and_wrong_type_fail_before_any_cell(tmp_path):
    bad = write(tmp_path, "factors: {pipeline.telepathy: [true, false]}\nseeds: [0]\ndocuments: 2\n")
    with pytest.raises(ConfigError, match=r"factors\.pipeline\.telepathy: unknown setting"):
        load_ablation(bad)
    done = cli(["ablate", str(bad), "--out", str(tmp_path / "out1")], tmp_path)
    assert done.returncode == 2, done.stderr
    assert "factors.pipeline.telepathy" in done.stderr and "Traceback" not in done.stderr + done.stdout
    assert not (tmp_path / "out1").exists()

    wrong = write(tmp_path, "factors: {knobs.round_budget: [5, many]}\nseeds: [0]\ndocuments: 2\n", "wrong.yaml")
    done = cli(["ablate", str(wrong), "--out", str(tmp_path / "out2")], tmp_path)
    assert done.returncode == 2
    assert "knobs.round_budget='many'" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out2").exists()


@pytest.mark.slow
def test_loop_ablation_effects_and_resume(tmp_path):
    import asyncio

    path = write(tmp_path, "factors: {feedback: [true, false], weak_first: [true, false]}\n"
                           "seeds: [0, 1, 2]\ndocuments: 12\nmetrics: [acceptance_rate, calls_per_accepted]\n")
    ablation = load_ablation(path)
    assert [c.name for c in ablation.cells] == ["base: feedback=True, weak_first=True", "feedback=False", "weak_first=False"]

    async def run():
        with call_settings():
            return await run_ablation(ablation, tmp_path / "out")

    results = asyncio.run(run())
    base, no_feedback, no_gate = (results[c.name] for c in ablation.cells)
    cells = tmp_path / "out" / "cells"

    def first_rounds(cell: str, seed: int) -> dict[str, str]:
        lines = (cells / cell / f"seed{seed}" / "rounds.jsonl").read_text(encoding="utf-8").splitlines()
        return {r["doc_id"]: r["decision"] for r in map(json.loads, lines) if r["round"] == 1}

    for seed in (0, 1, 2):
        # Weak-first gating only saves calls: decisions are the same in every round (paired seeds;
        # a decision and the orchestrator's feedback are read from the attempts that decided it).
        assert first_rounds("weak_first=False", seed) == first_rounds(ablation.cells[0].name, seed)
        assert no_gate[seed]["acceptance_rate"] == base[seed]["acceptance_rate"]
        if base[seed]["calls_per_accepted"] is not None:
            assert no_gate[seed]["calls_per_accepted"] > base[seed]["calls_per_accepted"]
    mean = lambda cell: sum(cell[s]["acceptance_rate"] for s in cell) / len(cell)  # noqa: E731
    assert mean(no_feedback) < mean(base)  # without the orchestrator's guidance fewer documents succeed

    # Resume: a finished cell is never run again; a missing one is.
    kept = cells / ablation.cells[0].name / "seed0" / "scorecard.json"
    before = kept.stat().st_mtime_ns
    removed = cells / "feedback=False" / "seed1"
    for file in removed.iterdir():
        file.unlink()
    again = asyncio.run(run())
    assert kept.stat().st_mtime_ns == before
    assert (removed / "scorecard.json").exists()
    redone, first = again["feedback=False"][1], results["feedback=False"][1]
    assert redone.keys() == first.keys()
    for key, value in first.items():  # same values; float sums may differ in the last digit (sample order)
        assert redone[key] == (pytest.approx(value) if isinstance(value, float) else value), key


@pytest.mark.slow
def test_cli_writes_csv_markdown_png_and_labels_simulated(tmp_path):
    path = write(tmp_path, "factors: {feedback: [true, false]}\nseeds: [0, 1]\ndocuments: 4\n")
    done = cli(["ablate", str(path), "--out", str(tmp_path / "out")], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "SIMULATED" in done.stdout
    out = tmp_path / "out"
    assert (out / "results.csv").read_text().count("\n") == 1 + 2 * 3  # header + 2 cells x 3 metrics
    assert "SIMULATED" in (out / "results.md").read_text()
    assert (out / "results.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'store' / 'mlflow.db'}")
    runs = mlflow.search_runs(experiment_names=["ablation"])
    kinds = runs["tags.autodata.kind"].value_counts().to_dict()
    assert kinds == {"ablation": 1, "ablation_cell": 4}  # one parent, one child per cell and seed
