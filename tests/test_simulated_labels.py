"""One answer to "is this simulated?": the offline world served over HTTP (serve-sim, behind an
``api_base`` like any OpenAI-compatible server) is labelled SIMULATED by every command, in its
report or summary and in its MLflow tags, exactly as the in-process ``sim/`` models are.

The configs here name no ``sim/`` model at all: only the replies tell that the offline world
answered (``harness/provenance.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from mlflow import MlflowClient
from test_cli import assert_usage_error, run_cli

from harness.config import parse_config
from harness.provenance import simulated_roles
from harness.sim.server_process import ServerProcess

ROLES = ["challenger", "judge", "orchestrator", "qv", "strong", "weak"]
DEMO_KNOBS = {"round_budget": 2}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    with ServerProcess() as process:
        yield process


def harness(url: str, name: str) -> dict:
    return {"name": name, "seed": 0, "knobs": DEMO_KNOBS, "documents": {"count": 3},
            "models": {role: {"model": f"openai/{role}", "api_base": url} for role in ROLES}}


def write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def runs(store: Path, experiment: str) -> list:
    client = MlflowClient(tracking_uri=f"sqlite:///{store / 'mlflow.db'}")
    found = client.get_experiment_by_name(experiment)
    assert found is not None, f"no MLflow experiment {experiment}"
    return client.search_runs([found.experiment_id], max_results=500)


def assert_tagged(store: Path, experiment: str, kinds: set[str]) -> None:
    logged = runs(store, experiment)
    assert {r.data.tags.get("autodata.kind") for r in logged} == kinds
    for run in logged:
        assert run.data.tags["simulated"] == "true", run.info.run_name
        assert run.data.tags["simulated_roles"] == ",".join(ROLES), run.info.run_name


def test_a_config_naming_no_sim_model_is_not_simulated_before_a_reply(server: ServerProcess) -> None:
    # Nothing in the config says "offline world": until a reply came, nothing is known.
    config = parse_config(harness("http://127.0.0.1:9/v1", "unseen"))
    assert simulated_roles(config) == []
    assert simulated_roles(parse_config({})) == ROLES  # sim/ models: known without a call


def test_generate_against_serve_sim(server: ServerProcess, tmp_path: Path) -> None:
    config, out, store = write(tmp_path / "g.yaml", harness(server.url, "labels-g")), tmp_path / "out", tmp_path / "s"
    done = run_cli("generate", config, "--out", out, store=store, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SIMULATED" in done.stdout
    assert "tokens (estimated" in done.stdout  # the world's token counts are estimates
    summary = json.loads((out / "summary.json").read_text())
    assert summary["simulated"] is True and summary["simulated_roles"] == ROLES and summary["real_roles"] == []
    card = json.loads((out / "scorecard.json").read_text())
    assert card["simulated"] is True and card["simulated_roles"] == ROLES
    assert_tagged(store, "labels-g", {"generation"})


def test_presets_against_serve_sim(server: ServerProcess, tmp_path: Path) -> None:
    config, store = write(tmp_path / "p.yaml", harness(server.url, "labels-p")), tmp_path / "s"
    done = run_cli("presets", config, "--preset", "cot-self-instruct", "--preset", "agentic", "--out", tmp_path / "out",
                   store=store, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SIMULATED" in done.stdout
    for preset in ("cot-self-instruct", "agentic"):
        summary = json.loads((tmp_path / "out" / f"{preset}-seed0" / "summary.json").read_text())
        assert summary["simulated"] is True and summary["simulated_roles"] == ROLES
    assert_tagged(store, "labels-p", {"generation"})
    assert len(runs(store, "labels-p")) == 2  # one run per preset


def test_sweep_against_serve_sim(server: ServerProcess, tmp_path: Path) -> None:
    write(tmp_path / "seed.yaml", harness(server.url, "labels-s"))
    sweep = {"name": "labels-s", "seed": 0, "base": "seed.yaml",
             "search": {"knobs": {"challenger_temperature": {"low": 0.2, "high": 1.2}},
                        "splits": {"train": 2, "validation": 2, "test": 2}, "budget": {"candidates": 2},
                        "operators": {"optuna": 1.0, "mutation": 0.0, "merge": 0.0}}}
    config, store = write(tmp_path / "sweep.yaml", sweep), tmp_path / "s"
    done = run_cli("sweep", config, "--out", tmp_path / "out", store=store, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SIMULATED" in done.stdout and "tokens (estimated" in done.stdout
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["simulated"] is True and report["simulated_roles"] == ROLES
    assert_tagged(store, "labels-s", {"sweep", "candidate"})
    compared = run_cli("compare", "labels-s", store=store)
    assert compared.returncode == 0 and "SIMULATED" in compared.stdout, compared.stdout + compared.stderr


def test_ablation_against_serve_sim(server: ServerProcess, tmp_path: Path) -> None:
    write(tmp_path / "base.yaml", harness(server.url, "labels-a"))
    ablation = {"name": "labels-a", "base": "base.yaml", "factors": {"feedback": [True, False]}, "seeds": [0],
                "documents": 2, "metrics": ["acceptance_rate"]}
    config, store, out = write(tmp_path / "ablation.yaml", ablation), tmp_path / "s", tmp_path / "out"
    done = run_cli("ablate", config, "--out", out, store=store, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SIMULATED" in done.stdout
    with (out / "results.csv").open() as rows:
        assert all(line.rstrip().endswith("True") for line in list(rows)[1:])  # the csv's simulated column
    assert_tagged(store, "labels-a", {"ablation", "ablation_cell"})


def test_check_labels_serve_sims_speed(server: ServerProcess, tmp_path: Path) -> None:
    config = write(tmp_path / "c.yaml", harness(server.url, "labels-c"))
    done = run_cli("check", config, store=tmp_path / "s")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SIMULATED" in done.stdout and "answered by the offline world" in done.stdout


def test_an_ablation_cell_naming_a_model_without_its_key_stops_before_any_call(server: ServerProcess,
                                                                              tmp_path: Path) -> None:
    write(tmp_path / "base.yaml", harness(server.url, "labels-k"))
    ablation = {"name": "labels-k", "base": "base.yaml", "seeds": [0], "documents": 2, "metrics": ["acceptance_rate"],
                "factors": {"models.weak": [{"model": "openai/weak", "api_base": server.url},
                                            {"model": "openai/gpt-x", "api_key_env": "AUTODATA_TEST_MISSING_KEY"}]}}
    config = write(tmp_path / "ablation.yaml", ablation)
    server.reset()
    done = run_cli("ablate", config, "--out", tmp_path / "out", store=tmp_path / "s", drop=("AUTODATA_TEST_MISSING_KEY",))
    assert_usage_error(done, "ablation.yaml", "cell 'weak=", "role 'weak'", "AUTODATA_TEST_MISSING_KEY")
    assert server.stats()["total"] == 0  # not even the base's preflight ran
    assert not (tmp_path / "out").exists()


def test_in_context_downstream_against_serve_sim_is_labelled(server: ServerProcess, tmp_path: Path) -> None:
    from harness.documents import load_documents
    from harness.generate import generate
    from objectives.downstream.icl import ICLTrainer, world_eval_samples
    from objectives.run import load_run

    data = harness(server.url, "labels-icl")
    data["knobs"] = {"round_budget": 4}
    data["documents"] = {"count": 4}
    config = parse_config(data)
    generate(config, load_documents(config.documents), tmp_path / "out")
    accepted = load_run(tmp_path / "out").accepted
    assert accepted, "no accepted sample to show as a demonstration"
    result = ICLTrainer(config, world_eval_samples(3), k=1).train(accepted)
    assert result.ok and result.simulated and result.details["simulated_roles"] == ["judge", "weak"]
