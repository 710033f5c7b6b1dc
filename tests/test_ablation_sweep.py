"""autodata ablate over sweeps: factors into the sweep config (each operator on or off), validation
before any cell, a whole sweep per cell x seed, metrics from its report.json, resume."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from test_ablation import cli

from experiments.ablation import load_ablation
from harness.config import ConfigError
from harness.provenance import simulated_roles
from search.config import SweepConfig

REPO = Path(__file__).resolve().parent.parent
SWEEP = REPO / "experiments" / "configs" / "sweep_demo.yaml"
TINY = "search:\n  splits: {train: 2, validation: 3, test: 3}\n  budget: {candidates: 3}\n  concurrency: 1\n"


def write(tmp_path: Path, body: str, name: str = "ablation.yaml") -> Path:
    path = tmp_path / name
    path.write_text(f"sweep: {SWEEP}\n" + body, encoding="utf-8")
    return path


def test_operator_factors_build_one_sweep_per_cell():
    ablation = load_ablation(REPO / "experiments" / "configs" / "ablation_operators.yaml")
    names = [c.name for c in ablation.cells]
    assert names == ["base: optuna=True, mutation=True, merge=True", "optuna=False", "mutation=False", "merge=False"]
    weights = {c.name: c.config.search.operators.model_dump() for c in ablation.cells}
    # `true` keeps the sweep's own weight, `false` sets that operator's weight to 0 and nothing else.
    base = ablation.base.search.operators.model_dump()
    assert weights[names[0]] == base
    for operator in ("optuna", "mutation", "merge"):
        assert base[operator] > 0, operator  # switched on in the base, so switching it off is a change
        assert weights[f"{operator}=False"] == {**base, operator: 0.0}
    for cell in ablation.cells:
        assert isinstance(cell.config, SweepConfig)
        assert not cell.config.harness.tracking.enabled  # the ablation logs cells, not candidates
        assert cell.config.search.genes == ablation.base.search.genes  # only the factor differs
    assert len(ablation.spec.seeds) >= 3 and simulated_roles(ablation.harness)


def test_grid_of_sweep_factors_and_plain_paths(tmp_path):
    path = write(tmp_path, TINY + "design: grid\nfactors:\n  mutation: [true, false]\n"
                 "  search.budget.candidates: [3, 4]\nseeds: [0]\n")
    ablation = load_ablation(path)
    got = {(c.config.search.operators.mutation, c.config.search.budget.candidates) for c in ablation.cells}
    assert got == {(0.5, 3), (0.5, 4), (0.0, 3), (0.0, 4)}


@pytest.mark.parametrize(("factors", "message"), [
    ("{search.operators.telepathy: [0.1, 0.0]}", r"factors\.search\.operators\.telepathy: unknown setting"),
    ("{mutation: [true, lots]}", r"factors\.search\.operators\.mutation='lots'"),
    ("{candidates: [3, 2.5]}", r"factors\.search\.budget\.candidates=2\.5"),
    ("{temperature: [0.1, true]}", r"factors\.search\.temperature=True: expected a number"),
    ("{random: [false, true]}", r"factors\.search\.operators\.random=True: the base sweep gives this operator weight 0"),
    ("{seed: [1, 2]}", r"factors\.seed: the sweep seed is the ablation's seeds"),
])
def test_bad_sweep_factor_is_a_config_error(tmp_path, factors, message):
    with pytest.raises(ConfigError, match=message) as error:
        load_ablation(write(tmp_path, TINY + f"factors: {factors}\nseeds: [0]\n"))
    assert str(tmp_path / "ablation.yaml") in str(error.value)


def test_every_operator_off_and_too_few_documents_fail_before_any_cell(tmp_path):
    grid = write(tmp_path, TINY + "design: grid\nfactors: {optuna: [false], mutation: [false], merge: [false]}\n")
    with pytest.raises(ConfigError, match="every operator weight is 0"):
        load_ablation(grid)
    files = write(tmp_path, "search: {splits: {train: 2, validation: 3, test: 3}}\nharness:\n"
                  "  documents: {source: jsonl, path: missing.jsonl}\nfactors: {mutation: [true, false]}\n", "docs.yaml")
    with pytest.raises(ConfigError, match=str(files)):
        load_ablation(files)


def test_cli_bad_factor_exits_2_before_any_cell(tmp_path):
    bad = write(tmp_path, TINY + "factors: {search.operators.telepathy: [0.1, 0.0]}\nseeds: [0]\n")
    done = cli(["ablate", str(bad), "--out", str(tmp_path / "out")], tmp_path)
    assert done.returncode == 2, done.stderr
    assert "factors.search.operators.telepathy: unknown setting" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert not (tmp_path / "out").exists()


def read_csv(path: Path) -> dict[tuple[str, str], dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return {(row["cell"], row["metric"]): row for row in csv.DictReader(handle)}


@pytest.mark.slow
def test_sweep_ablation_end_to_end_through_the_cli_and_resume(tmp_path):
    metrics = "[best_validation_acceptance, seed_test_acceptance, candidates, improvements_mutation]"
    path = write(tmp_path, TINY + f"name: ops\nfactors: {{mutation: [true, false]}}\nseeds: [0, 1]\n"
                 f"metrics: {metrics}\nconcurrency: 2\n")
    out = tmp_path / "out"
    done = cli(["ablate", str(path), "--out", str(out)], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "SIMULATED" in done.stdout and "mutation=False" in done.stdout
    base, off = "base: mutation=True", "mutation=False"
    reports = {(cell, seed): json.loads((out / "cells" / cell / f"seed{seed}" / "report.json").read_text())
               for cell in (base, off) for seed in (0, 1)}
    for seed in (0, 1):
        # The sweep seed is the ablation seed, and both cells evaluate the same seed harness on
        # the same documents: its test acceptance is the same number in both (paired cells).
        assert all(reports[cell, seed]["study"].startswith(f"sweep-demo-seed{seed}-") for cell in (base, off))
        assert reports[base, seed]["seed"]["test_acceptance"] == reports[off, seed]["seed"]["test_acceptance"]
        for cell in (base, off):
            assert reports[cell, seed]["budget"]["candidates"] == 3
    # Mutation switched off: no candidate of that cell came from the reflective mutation operator.
    assert not any(c["operator"] == "mutation" for s in (0, 1) for c in reports[off, s]["candidates"])

    rows = read_csv(out / "results.csv")
    assert len(rows) == 2 * 4  # 2 cells x 4 metrics
    for cell in (base, off):
        expected = sum(reports[cell, s]["best"]["validation_acceptance"] for s in (0, 1)) / 2
        assert float(rows[cell, "best_validation_acceptance"]["mean"]) == pytest.approx(expected)
        assert float(rows[cell, "candidates"]["mean"]) == 3
    assert float(rows[off, "improvements_mutation"]["mean"]) == 0
    assert float(rows[off, "seed_test_acceptance"]["effect_vs_base"]) == 0  # paired: same seed harness
    assert rows[off, "seed_test_acceptance"]["simulated"] == "True"
    assert "SIMULATED" in (out / "results.md").read_text() and "a sweep per cell of 3 candidates" in (
        out / "results.md").read_text()
    assert (out / "results.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'store' / 'mlflow.db'}")
    runs = mlflow.search_runs(experiment_names=["ops"])
    assert runs["tags.autodata.kind"].value_counts().to_dict() == {"ablation": 1, "ablation_cell": 4}
    children = runs[runs["tags.autodata.kind"] == "ablation_cell"]
    assert set(children["params.search.operators.mutation"]) == {"0.5", "0.0"}
    assert set(children["params.sweep.seed"]) == {"0", "1"}

    # Resume: every cell finished, so a second run runs none (no report or study is touched).
    stamps = {p: p.stat().st_mtime_ns for p in (out / "cells").rglob("*") if p.name in ("report.json", "optuna.journal")}
    assert len(stamps) == 8
    again = cli(["ablate", str(path), "--out", str(out), "--no-track"], tmp_path)
    assert again.returncode == 0, again.stderr
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps
    assert read_csv(out / "results.csv") == rows

    # A cell whose report is missing is run again, and only that one; its study already holds
    # the whole budget, so the sweep evaluates no new candidate and writes the same report.
    missing = out / "cells" / off / "seed1" / "report.json"
    missing.unlink()
    third = cli(["ablate", str(path), "--out", str(out), "--no-track"], tmp_path)
    assert third.returncode == 0, third.stderr
    assert json.loads(missing.read_text())["best"] == reports[off, 1]["best"]
    assert all(p.stat().st_mtime_ns == stamp for p, stamp in stamps.items() if p.parent != missing.parent)
