"""GEPA as a sweep strategy (``operators: {gepa: 1.0}``): end to end through the CLI, on the
offline world in process and over serve-sim (an OpenAI-compatible endpoint), within the sweep's
LM-call budget, logged to MLflow beside the sweep's own candidates."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from mlflow import MlflowClient
from test_cli import run_cli

from harness.sim.server_process import ServerProcess

REPO = Path(__file__).resolve().parents[1]
ROLES = ["challenger", "judge", "orchestrator", "qv", "strong", "weak"]
BUDGET = 2500

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    with ServerProcess() as process:
        yield process


def sweep_config(tmp_path: Path, name: str, base: str, proposer: dict | None = None) -> Path:
    search = {"knobs": {"challenger_temperature": {"low": 0.2, "high": 1.2}},
              "objectives": [{"metric": "accepted_per_kcall"}, {"metric": "acceptance_rate"}],
              "splits": {"train": 4, "validation": 4, "test": 2},
              "budget": {"candidates": 8, "calls": BUDGET}, "operators": {"gepa": 1.0}, "concurrency": 1}
    if proposer:
        search["proposer"] = proposer
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"name": name, "seed": 0, "base": base, "search": search}), encoding="utf-8")
    return path


def check_gepa_sweep(tmp_path: Path, config: Path, name: str) -> None:
    store, out = tmp_path / "store", tmp_path / "out"
    done = run_cli("sweep", config, "--out", out, store=store, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((out / "report.json").read_text())
    spent = report["budget"]
    gepa = [c for c in report["candidates"] if c["operator"] == "gepa"]
    assert gepa, report["candidates"]  # GEPA's picks were evaluated by the sweep like any candidate
    # A trial that holds no candidate says why (GEPA hands over its picks, then has none left).
    failed = [c for c in report["candidates"] if c["state"] == "fail"]
    assert all(c.get("cancelled") or c.get("error") for c in failed), failed
    assert spent["strategy_calls"] > 0 and spent["proposer_calls"] > 0  # its own loop and its proposals, counted
    # The budget is checked before every candidate, as for any strategy: GEPA's own loop stops at
    # its share, so the whole sweep ends within the budget.
    assert spent["calls"] <= BUDGET, spent
    assert (out / "best.yaml").exists() and "Pareto front" in done.stdout
    client = MlflowClient(tracking_uri=f"sqlite:///{store / 'mlflow.db'}")
    experiment = client.get_experiment_by_name(name)
    assert experiment is not None
    runs = client.search_runs([experiment.experiment_id], max_results=100)
    operators = {r.data.params.get("operator") or r.data.tags.get("autodata.operator") for r in runs}
    assert "gepa" in operators, operators


def test_a_gepa_sweep_runs_on_the_offline_world_within_its_budget(tmp_path: Path) -> None:
    config = sweep_config(tmp_path, "gepa-offline", str(REPO / "experiments" / "configs" / "demo.yaml"))
    check_gepa_sweep(tmp_path, config, "gepa-offline")


def test_a_gepa_sweep_runs_over_serve_sim(server: ServerProcess, tmp_path: Path) -> None:
    harness = {"name": "gepa-http", "seed": 0, "knobs": {"round_budget": 3}, "documents": {"count": 8},
               "models": {role: {"model": f"openai/{role}", "api_base": server.url} for role in ROLES}}
    (tmp_path / "seed.yaml").write_text(yaml.safe_dump(harness), encoding="utf-8")
    config = sweep_config(tmp_path, "gepa-http", "seed.yaml",
                          proposer={"model": "openai/proposer", "api_base": server.url})
    check_gepa_sweep(tmp_path, config, "gepa-http")
