"""MLflow tracking of generations and sweeps, read back through MLflow (experiments/tracking.py).

A small sweep and a generation run as real ``autodata`` subprocesses on a store of their own
(``AUTODATA_STORE`` in a tmp dir, so MLflow's store is ``sqlite:///<tmp>/mlflow.db``); the tests
then read what MLflow holds: the parent run, one child per candidate, their params, tags,
metrics, artifacts and dataset inputs. A planted API key, really sent to a local
OpenAI-compatible server, must not appear in any byte the runs wrote. Logging is batched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import mlflow
import optuna
import pytest
from mlflow import MlflowClient
from optuna.trial import FrozenTrial, TrialState
from test_sweep import sweep_yaml as write_sweep_yaml

from harness.config import HarnessConfig, load_config
from harness.secrets import REDACTED, redact, scrub
from objectives.scorecard import Scorecard
from search.bank import text_id
from search.callbacks import CandidateFinished
from search.storage import open_storage

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "experiments" / "configs" / "demo.yaml"
GENES = ("challenger_instructions", "orchestrator_instructions", "qv_instructions")
ROLES = ("challenger", "qv", "weak", "strong", "judge", "orchestrator")
EVAL_ARTIFACTS = {"accepted.jsonl", "rounds.jsonl", "scorecard.json", "summary.json", "config.resolved.json"}
PLANTED_KEY = "sk-PLANTED-0123456789abcdef"

optuna.logging.set_verbosity(optuna.logging.WARNING)


# --- helpers -------------------------------------------------------------------------------------


def cli_env(store: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["AUTODATA_STORE"] = str(store)
    # harness/env.py only sets these when unset: inherited values would bypass the tmp store.
    for name in ("MLFLOW_TRACKING_URI", "DSPY_CACHEDIR"):
        env.pop(name, None)
    env["COLUMNS"] = "200"  # rich tables unwrapped, so the output can be parsed
    env.update(extra)
    return env


def run_cli(*args: str | Path, store: Path, timeout: float = 240, **extra: str) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "experiments.cli", *map(str, args)], cwd=REPO,
                            env=cli_env(store, **extra), capture_output=True, text=True, timeout=timeout)
    return result


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Traceback" not in result.stdout + result.stderr
    return result


def tracking_uri(store: Path) -> str:
    return f"sqlite:///{store / 'mlflow.db'}"


def sweep_yaml(folder: Path, name: str, **options: Any) -> Path:
    """test_sweep's sweep writer with this module's defaults: 3/6/6 documents, 5 candidates, no merge."""
    defaults = {"train": 3, "validation": 6, "test": 6, "candidates": 5,
                "operators": "{optuna: 0.4, mutation: 0.6, merge: 0}"}
    return write_sweep_yaml(folder, name, **{**defaults, **options})


def artifact_files(client: MlflowClient, run_id: str, path: str | None = None) -> list[str]:
    files: list[str] = []
    for info in client.list_artifacts(run_id, path):
        files.extend(artifact_files(client, run_id, info.path) if info.is_dir else [info.path])
    return sorted(files)


def artifact_bytes(client: MlflowClient, run_id: str, path: str, tmp: Path) -> bytes:
    target = tmp / run_id
    target.mkdir(parents=True, exist_ok=True)
    return Path(client.download_artifacts(run_id, path, str(target))).read_bytes()


def candidates_of(trials: list[FrozenTrial]) -> list[FrozenTrial]:
    return [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED) and not t.user_attrs.get("rejected")]


def jsonl_rows(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]


def is_repo_commit(tag: str) -> bool:
    """The commit a run was logged at: HEAD or one of its ancestors (HEAD may move while tests run)."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    if not head:
        return tag == "unknown"  # no git here
    if len(tag) != 40 or any(c not in "0123456789abcdef" for c in tag):
        return False
    return subprocess.run(["git", "merge-base", "--is-ancestor", tag, "HEAD"], cwd=REPO).returncode == 0


@pytest.fixture
def use_store(monkeypatch: pytest.MonkeyPatch):
    """Point this process's MLflow (global functions and new clients) at ``store``, restored afterwards."""

    def use(store: Path) -> str:
        uri = tracking_uri(store)
        monkeypatch.setenv("AUTODATA_STORE", str(store))
        monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
        monkeypatch.setattr("mlflow.tracking._tracking_service.utils._tracking_uri", None)
        return uri

    return use


# --- one small sweep, logged through the CLI -----------------------------------------------------


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    root = tmp_path_factory.mktemp("tracked-sweep")
    store, out, storage = root / "store", root / "out", f"sqlite:///{root / 'optuna.db'}"
    config = sweep_yaml(root, "tracked")
    argv = ("sweep", config, "--storage", storage, "--out", out)
    result = ok(run_cli(*argv, store=store))
    client = MlflowClient(tracking_uri=tracking_uri(store))
    experiment = client.get_experiment_by_name("tracked")
    assert experiment is not None, "the sweep logged no MLflow experiment named after its config"
    runs = client.search_runs([experiment.experiment_id], max_results=1000)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    study = optuna.load_study(study_name=report["study"], storage=open_storage(storage))
    return SimpleNamespace(root=root, store=store, out=out, storage=storage, argv=argv, result=result, client=client, experiment=experiment, runs=runs, study=study,
                           trials=study.get_trials(), report=report)


def split_runs(sweep: SimpleNamespace) -> tuple[Any, list[Any], list[Any]]:
    parents = [r for r in sweep.runs if r.data.tags.get("autodata.kind") == "sweep"]
    assert len(parents) == 1, [r.info.run_name for r in parents]
    parent = parents[0]
    candidates = [r for r in sweep.runs if r.data.tags.get("autodata.split") in ("train", "validation")]
    tests = [r for r in sweep.runs if r.data.tags.get("autodata.split") == "test"]
    return parent, candidates, tests


@pytest.mark.slow
def test_sweep_logs_one_parent_and_one_child_per_candidate(sweep: SimpleNamespace) -> None:
    parent, candidates, tests = split_runs(sweep)
    assert sweep.report["study"].startswith("tracked-seed0-")  # named by what it searches (search/study.py)
    assert parent.info.run_name == sweep.report["study"]
    assert parent.data.tags["autodata.study"] == sweep.report["study"]
    assert parent.info.status == "FINISHED"
    assert "mlflow.parentRunId" not in parent.data.tags
    # Every other run of the experiment is a child of that parent: candidates and test evaluations.
    assert len(sweep.runs) == 1 + len(candidates) + len(tests)
    for run in candidates + tests:
        assert run.data.tags["mlflow.parentRunId"] == parent.info.run_id, run.info.run_name
        assert run.data.tags["autodata.kind"] == "candidate"
        assert run.data.tags["autodata.study"] == sweep.report["study"]
        assert run.info.status == "FINISHED"

    # One child per completed or screened-out trial of the Optuna study, and no other.
    trials = {t.number: t for t in candidates_of(sweep.trials)}
    assert len(trials) == sweep.report["budget"]["candidates"] == 5
    by_trial = Counter(int(r.data.tags["autodata.trial"]) for r in candidates)
    assert by_trial == Counter(dict.fromkeys(trials, 1))
    for run in candidates:
        trial = trials[int(run.data.tags["autodata.trial"])]
        tags = run.data.tags
        # Named for the trial and the study (its hash): two sweeps in one experiment stay apart.
        assert run.info.run_name == f"candidate-{trial.number} @{sweep.report['study'].rsplit('-', 1)[1][:6]}"
        assert tags["autodata.sweep"] == "tracked"
        if trial.state == TrialState.COMPLETE:
            assert (tags["autodata.split"], tags["autodata.state"]) == ("validation", "complete")
        else:
            assert (tags["autodata.split"], tags["autodata.state"]) == ("train", "screened_out")
        assert tags["autodata.operator"] == trial.user_attrs["operator"]
        assert tags["autodata.accepted"] == str(bool(trial.user_attrs.get("accepted"))).lower()
        assert tags["autodata.parents"] == ",".join(map(str, trial.user_attrs["parents"]))
    operators = Counter(r.data.tags["autodata.operator"] for r in candidates)
    assert operators["seed"] == 1 and operators["mutation"] >= 1, operators

    # Test evaluations: the seed and the best (and the rest of the top) from the report, once each.
    report = sweep.report
    expected = {report["seed"]["trial"], report["best"]["trial"], *(t["trial"] for t in report["top"])}
    assert sorted(int(r.data.tags["autodata.trial"]) for r in tests) == sorted(expected)
    roles = {int(r.data.tags["autodata.trial"]): r.data.tags["autodata.role"] for r in tests}
    assert roles[report["seed"]["trial"]] == "seed"
    if report["best"]["trial"] != report["seed"]["trial"]:
        assert roles[report["best"]["trial"]] == "best"
    validation_runs = {r.data.tags["autodata.trial"]: r.info.run_id for r in candidates
                       if r.data.tags["autodata.split"] == "validation"}
    for run in tests:
        trial = run.data.tags["autodata.trial"]
        assert run.info.run_name.startswith(f"test-{run.data.tags['autodata.role']}-{trial} @")
        assert run.data.tags["autodata.validation_run_id"] == validation_runs[trial]
    test_acceptance = {int(r.data.tags["autodata.trial"]): r.data.metrics["test/acceptance_rate"] for r in tests}
    assert test_acceptance[report["seed"]["trial"]] == pytest.approx(report["seed"]["test_acceptance"])
    assert test_acceptance[report["best"]["trial"]] == pytest.approx(report["best"]["test_acceptance"])
    assert parent.data.tags["autodata.best_trial"] == str(report["best"]["trial"])
    assert parent.data.metrics["best_test_acceptance"] == pytest.approx(report["best"]["test_acceptance"])
    assert parent.data.metrics["seed_validation_acceptance"] == pytest.approx(report["seed"]["validation_acceptance"])
    assert f"parent run {parent.info.run_id}" in " ".join(sweep.result.stdout.split())


@pytest.mark.slow
def test_children_carry_scorecard_metrics_params_and_provenance_tags(sweep: SimpleNamespace) -> None:
    parent, candidates, tests = split_runs(sweep)
    trials = {t.number: t for t in sweep.trials}
    by_id = {r.info.run_id: r for r in sweep.runs}
    for run in candidates + tests:
        metrics, params, tags = run.data.metrics, run.data.params, run.data.tags
        name = run.info.run_name
        # Scorecard metrics of the evaluation the run holds, under its split: never one column for all.
        split = tags["autodata.split"]
        for metric in ("acceptance_rate", "accepted", "weak_mean", "calls", "input_tokens", "output_tokens"):
            assert f"{split}/{metric}" in metrics and metric not in metrics, (name, metric)
        if metrics[f"{split}/accepted"] > 0:
            assert {f"{split}/{m}" for m in ("gap_mean", "strong_mean", "rounds_per_accepted",
                                             "calls_per_accepted")} <= metrics.keys(), name
        assert 0.0 <= metrics[f"{split}/acceptance_rate"] <= 1.0 and metrics[f"{split}/calls"] > 0
        # Provenance: simulated, versions, commit.
        assert tags["simulated"] == "true"
        assert tags["version.mlflow"] == mlflow.__version__ and tags["version.optuna"] == optuna.__version__
        assert tags["version.python"] == ".".join(map(str, sys.version_info[:3]))
        assert {"version.dspy", "version.litellm", "version.pydantic", "version.numpy"} <= tags.keys()
        assert is_repo_commit(tags["git_commit"]), tags["git_commit"]
        # Params: searched knobs, gene texts (readable beside other runs') with their bank ids,
        # role models, preset and seed.
        assert all(len(value) < 100 for key, value in params.items() if not key.startswith("gene.")), name
    for run in candidates:
        metrics, params, tags = run.data.metrics, run.data.params, run.data.tags
        trial = trials[int(tags["autodata.trial"])]
        assert {k for k in params if k.startswith("knob.")} == {"knob.challenger_temperature", "knob.round_budget"}
        for knob, value in trial.params.items():
            assert float(params[f"knob.{knob}"]) == pytest.approx(value), (run.info.run_name, knob)
        for gene in GENES:
            assert params[f"gene.{gene}"] == trial.user_attrs[f"gene_text:{gene}"]
            assert params[f"gene_id.{gene}"] == text_id(trial.user_attrs[f"gene_text:{gene}"])
            assert params[f"gene_id.{gene}"] == trial.user_attrs["genes"][gene]
        for role in ROLES:
            assert params[f"model.{role}"] == f"sim/{role}"
        assert (params["preset"], params["seed"]) == ("agentic", "0")
        assert params["harness_hash"] == trial.user_attrs["harness_hash"]
        # The trial's own numbers.
        assert metrics["train_score"] == pytest.approx(trial.user_attrs["train_score"])
        assert metrics["cost_calls"] == pytest.approx(trial.user_attrs["cost"]["calls"])
        if tags["autodata.split"] == "validation":
            assert metrics["validation_score"] == pytest.approx(trial.user_attrs["validation_score"])
            assert metrics["validation/acceptance_rate"] == pytest.approx(trial.user_attrs["validation_acceptance"])
        else:
            assert "validation_score" not in metrics
            assert metrics["train/acceptance_rate"] == pytest.approx(trial.user_attrs["train_score"])
        # Lineage: the first parent's run exists and is that parent's validation run.
        parents = trial.user_attrs["parents"]
        if parents:
            linked = by_id[tags["autodata.parent_run_id"]]
            assert sweep.client.get_run(linked.info.run_id).info.run_id == linked.info.run_id
            assert linked.data.tags["autodata.trial"] == str(parents[0])
            assert linked.data.tags["autodata.split"] == "validation"
        else:
            assert trial.user_attrs["operator"] == "seed" and "autodata.parent_run_id" not in tags
        if trial.user_attrs.get("mutated_gene"):
            assert tags["autodata.mutated_gene"] == trial.user_attrs["mutated_gene"]
    # A test evaluation holds the same harness as its validation twin: the same params.
    validation = {r.data.tags["autodata.trial"]: r for r in candidates if r.data.tags["autodata.split"] == "validation"}
    for run in tests:
        twin = validation[run.data.tags["autodata.trial"]]
        assert run.data.params == twin.data.params, run.info.run_name
        # ... and the twin shows the test numbers too: one row per harness in the UI's view.
        assert twin.data.metrics["test/acceptance_rate"] == run.data.metrics["test/acceptance_rate"]
    # The parent holds the search space, never a prompt.
    space = json.loads(parent.data.params["search.budget"])
    assert space["candidates"] == 5
    assert json.loads(parent.data.params["search.genes"]) == list(GENES)


@pytest.mark.slow
def test_children_hold_genes_records_and_the_accepted_dataset(sweep: SimpleNamespace, tmp_path: Path) -> None:
    parent, candidates, tests = split_runs(sweep)
    trials = {t.number: t for t in sweep.trials}
    client = sweep.client
    with_dataset = mutations = 0
    for run in candidates:
        run_id, tags = run.info.run_id, run.data.tags
        trial = trials[int(tags["autodata.trial"])]
        files = artifact_files(client, run_id)
        assert {f"genes/{gene}.txt" for gene in GENES} <= set(files), files
        assert {f"evaluation/{name}" for name in EVAL_ARTIFACTS} <= set(files), files
        for gene in GENES:  # the full gene text, not a hash
            text = artifact_bytes(client, run_id, f"genes/{gene}.txt", tmp_path).decode("utf-8")
            assert text == trial.user_attrs[f"gene_text:{gene}"]
            assert text_id(text) == run.data.params[f"gene_id.{gene}"]
        # The evaluation's records, byte for byte, from the split the run stands for.
        where = Path(trial.user_attrs["validation_dir" if tags["autodata.split"] == "validation" else "train_dir"])
        for name in ("accepted.jsonl", "rounds.jsonl", "scorecard.json"):
            assert artifact_bytes(client, run_id, f"evaluation/{name}", tmp_path) == (where / name).read_bytes(), name
        resolved = json.loads(artifact_bytes(client, run_id, "evaluation/config.resolved.json", tmp_path))
        assert resolved["harness_hash"] == run.data.params["harness_hash"]
        assert resolved["config"] == redact(resolved["config"])
        card = Scorecard.model_validate_json(artifact_bytes(client, run_id, "evaluation/scorecard.json", tmp_path))
        split = tags["autodata.split"]
        assert run.data.metrics[f"{split}/acceptance_rate"] == pytest.approx(card.value("acceptance_rate"))
        if card.value("gap_mean") is None:
            assert f"{split}/gap_mean" not in run.data.metrics
        else:
            assert run.data.metrics[f"{split}/gap_mean"] == pytest.approx(card.value("gap_mean"))
        # The accepted samples are the run's dataset input.
        accepted = jsonl_rows(artifact_bytes(client, run_id, "evaluation/accepted.jsonl", tmp_path))
        inputs = client.get_run(run_id).inputs.dataset_inputs
        if accepted:
            with_dataset += 1
            assert len(inputs) == 1, run.info.run_name
            dataset = inputs[0].dataset
            assert json.loads(dataset.profile)["num_rows"] == len(accepted)
            assert dataset.name == f"accepted-{where.name}"
            assert {t.key: t.value for t in inputs[0].tags}["mlflow.data.context"] == "accepted"
            columns = {c["name"] for c in json.loads(dataset.schema)["mlflow_colspec"]}
            assert {"id", "doc_id", "question", "context", "final_answer", "gap"} <= columns
        else:
            assert inputs == []
        if trial.user_attrs.get("analysis"):
            mutations += 1
            text = artifact_bytes(client, run_id, "mutation/analysis.txt", tmp_path).decode("utf-8")
            assert text == scrub(trial.user_attrs["analysis"]) and text.strip()
        else:
            assert "mutation/analysis.txt" not in files
    assert mutations >= 1 and with_dataset >= 2, (mutations, with_dataset)
    for run in tests:  # test evaluations: gene texts, records, scorecard and dataset as well
        files = artifact_files(client, run.info.run_id)
        assert {f"evaluation/{name}" for name in EVAL_ARTIFACTS} <= set(files), files
        trial = trials[int(run.data.tags["autodata.trial"])]
        for gene in GENES:
            text = artifact_bytes(client, run.info.run_id, f"genes/{gene}.txt", tmp_path).decode("utf-8")
            assert text == trial.user_attrs[f"gene_text:{gene}"], (run.info.run_name, gene)
        accepted = jsonl_rows(artifact_bytes(client, run.info.run_id, "evaluation/accepted.jsonl", tmp_path))
        assert len(client.get_run(run.info.run_id).inputs.dataset_inputs) == (1 if accepted else 0)


@pytest.mark.slow
def test_parent_has_best_so_far_history_and_the_report(sweep: SimpleNamespace, tmp_path: Path) -> None:
    parent, candidates, _ = split_runs(sweep)
    history = sweep.client.get_metric_history(parent.info.run_id, "best_so_far")
    steps = [m.step for m in history]
    values = [m.value for m in sorted(history, key=lambda m: m.step)]
    assert sorted(steps) == list(range(1, len(candidates) + 1))  # one point per candidate, index 1..N
    # The population's best after each candidate, its mean over its draws (search/noise.py): it
    # can fall when a best is evaluated again, and it ends at the report's best.
    assert values[-1] == pytest.approx(sweep.report["best"]["validation_score"])
    # The seed finishes first: its first draw (the report's is its mean over the draws it was given).
    seed_trial = sweep.study.trials[sweep.report["seed"]["trial"]]
    assert values[0] == pytest.approx(seed_trial.user_attrs["validation_score"])
    scores = sweep.client.get_metric_history(parent.info.run_id, "candidate_score")
    assert sorted(m.step for m in scores) == steps
    assert sorted(artifact_files(sweep.client, parent.info.run_id)) == ["comparison.json", "report.json"]
    logged = json.loads(artifact_bytes(sweep.client, parent.info.run_id, "report.json", tmp_path))
    assert logged == sweep.report
    # The comparison table (MLflow's log_table): seed and best with their validation and test numbers.
    table = json.loads(artifact_bytes(sweep.client, parent.info.run_id, "comparison.json", tmp_path))
    rows = [dict(zip(table["columns"], row, strict=True)) for row in table["data"]]
    by_trial = {row["trial"]: row for row in rows}
    assert "seed" in by_trial[sweep.report["seed"]["trial"]]["role"]
    best = by_trial[sweep.report["best"]["trial"]]
    assert "best" in best["role"]
    assert best["test_acceptance"] == pytest.approx(sweep.report["best"]["test_acceptance"])
    # The parent's summary metrics: seed and best on both splits, and the gain.
    metrics = sweep.client.get_run(parent.info.run_id).data.metrics
    assert metrics["best/test/acceptance_rate"] == pytest.approx(sweep.report["best"]["test_acceptance"])
    assert metrics["gain/test_acceptance"] == pytest.approx(sweep.report["gain"]["test_acceptance"])


# --- compare ---------------------------------------------------------------------------------------


def table_rows(stdout: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.strip().strip("│").split("│")]
            for line in stdout.splitlines() if line.startswith("│")]


@pytest.mark.slow
def test_compare_prints_each_sweeps_candidates_best_first(sweep: SimpleNamespace) -> None:
    _, candidates, tests = split_runs(sweep)
    plot = sweep.root / "plots" / "tracked.png"
    result = ok(run_cli("compare", "tracked", "--plot", plot, store=sweep.store, timeout=120))
    rows = table_rows(result.stdout)
    validation = {int(r.data.tags["autodata.trial"]): r.data.metrics["validation/acceptance_rate"] for r in candidates
                  if r.data.tags["autodata.split"] == "validation"}
    tested = {int(r.data.tags["autodata.trial"]): r.data.metrics["test/acceptance_rate"] for r in tests}
    assert sorted(int(row[0]) for row in rows) == sorted(validation)  # validation candidates only, once each
    printed = [float(row[3]) for row in rows]
    assert printed == sorted(printed, reverse=True)  # best first: higher acceptance is better
    for row in rows:
        trial = int(row[0])
        assert row[3] == f"{validation[trial]:.3f}", row
        assert row[4] == (f"{tested[trial]:.3f}" if trial in tested else "-"), row
    assert f"study {sweep.report['study']}: {len(validation)} validation" in " ".join(result.stdout.split())
    assert "best first by validation/acceptance_rate (higher is better)" in " ".join(result.stdout.split())
    assert "SIMULATED" in result.stdout
    data = plot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    assert f"plot written to {plot.resolve()}" in " ".join(result.stdout.split())
    # Lower is better for calls per accepted sample: ranked the other way.
    cost = table_rows(ok(run_cli("compare", "tracked", "--metric", "calls_per_accepted", store=sweep.store,
                                 timeout=120)).stdout)
    spent = [float(row[3]) for row in cost if row[3] != "-"]
    assert spent == sorted(spent) and len(spent) >= 2


@pytest.mark.slow
def test_compare_refuses_an_unknown_metric_listing_the_known_ones(sweep: SimpleNamespace) -> None:
    result = run_cli("compare", "tracked", "--metric", "bogus", store=sweep.store, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stdout + result.stderr
    assert "unknown metric 'bogus'" in result.stderr and "calls_per_accepted" in result.stderr


@pytest.mark.slow
def test_compare_unknown_experiment_is_a_one_line_error(sweep: SimpleNamespace) -> None:
    result = run_cli("compare", "no-such-experiment", store=sweep.store, timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: no MLflow experiment named 'no-such-experiment' (known: "), lines[0]
    assert "tracked" in lines[0]  # names the experiments there are
    assert result.stdout.strip() == ""


# --- batched logging (in-process, counting the client's calls) ----------------------------------


class CallLog:
    """Wraps MlflowClient methods to record (method, run_id, kwargs-ish) for every call."""

    WRAPPED = ("log_batch", "create_run", "log_artifacts", "log_artifact", "log_inputs", "set_terminated",
               "log_metric", "log_param", "set_tag", "log_text", "log_dict")

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[str, tuple, dict]] = []
        for name in self.WRAPPED:
            original = getattr(MlflowClient, name)
            monkeypatch.setattr(MlflowClient, name, self._wrap(name, original))

    def _wrap(self, name: str, original: Any) -> Any:
        def wrapper(client: MlflowClient, *args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, args, kwargs))
            return original(client, *args, **kwargs)

        return wrapper

    def of(self, name: str, run_id: str | None = None) -> list[tuple[tuple, dict]]:
        return [(a, k) for n, a, k in self.calls if n == name and (run_id is None or (a[0] if a else k.get("run_id")) == run_id)]


@pytest.mark.slow
def test_a_candidate_is_logged_whole_and_tagged_from_its_creation(sweep: SimpleNamespace, tmp_path: Path, use_store,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from experiments.tracking import SweepTracker
    from search.config import load_sweep_config

    use_store(tmp_path / "store")
    config = load_sweep_config(sweep_yaml(tmp_path, "batched"))
    trials = {t.number: t for t in sweep.trials}
    trial = next(t for t in sweep.trials if t.state == TrialState.COMPLETE and t.user_attrs.get("parents"))
    seed = trials[trial.user_attrs["parents"][0]]
    attrs = dict(trial.user_attrs)

    # The population's best after each, as the sweep reports it (here a candidate's own draw).
    best = max(seed.user_attrs["validation_score"], attrs["validation_score"] if attrs["accepted"] else float("-inf"))
    leader = trial.number if best != seed.user_attrs["validation_score"] else seed.number

    def finished(t: FrozenTrial) -> CandidateFinished:
        a = t.user_attrs
        now = (seed.number, a["validation_score"]) if t.number == seed.number else (leader, best)
        return CandidateFinished(t.number, a["operator"], "complete", a["train_score"], a["validation_score"],
                                 a["validation_values"], a["accepted"], a["harness_hash"], a["cost"],
                                 {"train": a["train_dir"], "validation": a["validation_dir"]}, dict(a), dict(t.params),
                                 best=now)

    calls = CallLog(monkeypatch)
    tracker = SweepTracker("batched", "batched-seed0", config.harness, list(config.search.knobs),
                           config.search.model_dump(mode="json"))
    parent = tracker.parent
    tracker(finished(seed))
    assert tracker.flush() == []
    seed_run = MlflowClient().search_runs([tracker.logger.experiment_id],
                                          filter_string=f"tags.`autodata.trial` = '{seed.number}'")[0].info.run_id
    calls.calls.clear()
    tracker(finished(trial))
    assert tracker.flush() == []  # logged on the tracker's thread: wait for it, no failure

    # What a reader of MLflow sees, read back: one run for the candidate, with every metric, param,
    # tag, file and dataset the candidate has.
    client = MlflowClient()
    found = client.search_runs([tracker.logger.experiment_id], filter_string=f"tags.`autodata.trial` = '{trial.number}'")
    assert len(found) == 1, [r.info.run_id for r in found]
    child = found[0]
    run_id = child.info.run_id
    metrics, params, tags = child.data.metrics, child.data.params, child.data.tags
    card = Scorecard.model_validate_json((Path(attrs["validation_dir"]) / "scorecard.json").read_text())
    scored = {k for k, m in card.metrics.items() if m.value is not None}
    assert set(metrics) == {f"validation/{k}" for k in scored} | {"train_score", "validation_score", "cost_calls",
                                                                  "cost_tokens", "cost_dollars"}
    assert metrics["validation_score"] == pytest.approx(attrs["validation_score"])
    assert {m.step for k in metrics for m in client.get_metric_history(run_id, k)} == {0}
    assert set(params) == {"knob.challenger_temperature", "knob.round_budget", *(f"gene.{g}" for g in GENES),
                           *(f"gene_id.{g}" for g in GENES),
                           *(f"model.{r}" for r in ROLES), "preset", "seed", "harness_hash"}
    assert tags["mlflow.parentRunId"] == parent and tags["autodata.parent_run_id"] == seed_run
    assert {"autodata.kind", "autodata.trial", "autodata.split", "autodata.operator", "autodata.parent_run_id",
            "simulated", "git_commit", "version.mlflow"} <= tags.keys()
    # The tags travel with the run's creation, so the run never exists untagged.
    created = [kwargs for args, kwargs in calls.of("create_run")
               if (kwargs.get("tags") or {}).get("autodata.trial") == str(trial.number)]
    assert created and {"autodata.kind", "autodata.trial", "mlflow.parentRunId"} <= created[0]["tags"].keys()
    listed = {f.path for f in client.list_artifacts(run_id)} | {f.path for f in client.list_artifacts(run_id, "genes")} \
        | {f.path for f in client.list_artifacts(run_id, "evaluation")}
    assert {f"genes/{g}.txt" for g in GENES} <= listed and "evaluation/scorecard.json" in listed
    accepted_rows = jsonl_rows(Path(attrs["validation_dir"], "accepted.jsonl").read_bytes())
    assert len(client.get_run(run_id).inputs.dataset_inputs) == (1 if accepted_rows else 0)
    # The parent: this candidate's point, at step 2 (the seed's was step 1).
    history = {m.step: m.value for m in client.get_metric_history(parent, "candidate_score")}
    assert history[2] == pytest.approx(attrs["validation_score"]) and 1 in history
    assert client.get_run(parent).data.metrics["best_so_far"] == pytest.approx(best)
    assert tracker.close() == []
    assert MlflowClient().get_run(parent).info.status == "FINISHED"


# --- secrets ---------------------------------------------------------------------------------------


def test_redact_replaces_secret_named_strings_only() -> None:
    value = {
        "api_key": "sk-live-1", "API_KEY": "sk-live-2", "auth_token": "tok-3", "client_secret": "s-4",
        "api_key_env": "OPENAI_API_KEY", "max_tokens": 512, "token_budget": 1000, "name": "demo",
        "models": {"weak": {"model": "openai/x", "api_key": "sk-nested", "api_key_env": "MY_KEY", "max_tokens": 64}},
        "endpoints": [{"secret": "s-5", "url": "http://127.0.0.1:9/v1"}, "plain", 3],
        "api_keys": ["sk-k1", "sk-k2"],  # strings anywhere under a secret name, however deep
        "secrets": {"openai": "sk-o", "limits": {"retries": 3, "verify": True, "note": None}},
        "tokens": {"per_call": 64, "tokenizer": "gpt2"},
    }
    original = json.loads(json.dumps(value))
    assert redact(value) == {
        "api_key": REDACTED, "API_KEY": REDACTED, "auth_token": REDACTED, "client_secret": REDACTED,
        "api_key_env": "OPENAI_API_KEY", "max_tokens": 512, "token_budget": 1000, "name": "demo",
        "models": {"weak": {"model": "openai/x", "api_key": REDACTED, "api_key_env": "MY_KEY", "max_tokens": 64}},
        "endpoints": [{"secret": REDACTED, "url": "http://127.0.0.1:9/v1"}, "plain", 3],
        "api_keys": [REDACTED, REDACTED],
        "secrets": {"openai": REDACTED, "limits": {"retries": 3, "verify": True, "note": None}},
        "tokens": {"per_call": 64, "tokenizer": REDACTED},
    }
    assert value == original  # a copy: the input is untouched
    assert redact(redact(value)) == redact(value)
    # The real configuration: nothing secret in it, so redact keeps it whole (api_key_env, max_tokens).
    config = HarnessConfig.model_validate({"models": {"weak": {"model": "openai/x", "api_key_env": "K", "max_tokens": 9}}})
    dumped = config.model_dump(mode="json")
    assert redact(dumped) == dumped


def test_scrub_removes_secret_environment_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_SERVICE_TOKEN", "tok-abcdefgh-123")
    monkeypatch.setenv("SHORT_SECRET", "abc")  # too short to be a key: would scrub ordinary words
    monkeypatch.setenv("PLAIN_VALUE", "tok-plain-value-9")  # not a secret name
    text = "error calling api with tok-abcdefgh-123; abc; tok-plain-value-9"
    assert scrub(text) == f"error calling api with {REDACTED}; abc; tok-plain-value-9"


def test_config_resolved_json_goes_through_redact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ConfigDict

    import harness.generate as generate

    class WithSecrets(HarnessConfig):  # a configuration carrying secret-named values
        model_config = ConfigDict(extra="allow", frozen=True)

    config = WithSecrets(name="secretive", api_token=PLANTED_KEY, service={"client_secret": PLANTED_KEY,
                                                                            "max_tokens": 7})
    seen: list[Any] = []

    def spy(value: Any) -> Any:
        seen.append(value)
        return redact(value)

    monkeypatch.setattr(generate, "redact", spy)
    out = tmp_path / "out"
    generate.prepare_out(config, [], out)
    assert len(seen) == 1 and seen[0]["api_token"] == PLANTED_KEY  # what the writer was about to write
    raw = (out / "config.resolved.json").read_text(encoding="utf-8")
    written = json.loads(raw)["config"]
    assert written["api_token"] == REDACTED
    assert written["service"] == {"client_secret": REDACTED, "max_tokens": 7}
    assert written["models"]["weak"]["api_key_env"] is None and written["models"]["weak"]["max_tokens"] is None
    assert PLANTED_KEY not in raw


class FakeOpenAI(BaseHTTPRequestHandler):
    """An OpenAI-compatible chat endpoint that answers as a weak solver (DSPy ChatAdapter format)."""

    REPLY = "[[ ## answer ## ]]\nI cannot tell.\n\n[[ ## final_answer ## ]]\nNo\n\n[[ ## completed ## ]]"
    seen: list[tuple[str, str | None, str | None]] = []  # (path, Authorization, model)

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        type(self).seen.append((self.path, self.headers.get("Authorization"), body.get("model")))
        if self.path.rstrip("/") != "/v1/chat/completions":
            self.send_error(404)
            return
        reply = json.dumps({
            "id": f"chatcmpl-{len(self.seen)}", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": self.REPLY}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 50, "completion_tokens": 12, "total_tokens": 62},
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args: Any) -> None:
        pass


def files_containing(root: Path, needles: list[bytes]) -> tuple[list[str], int, int]:
    """Every file under root whose bytes hold any needle; also how many files and bytes were read."""
    found, count, total = [], 0, 0
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            count, total = count + 1, total + len(data)
            if any(needle in data for needle in needles):
                found.append(str(path.relative_to(root)))
    return found, count, total


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """A generation and a tiny sweep whose weak solver is a real HTTP endpoint called with a planted key."""
    root = tmp_path_factory.mktemp("planted")
    store = root / "store"
    FakeOpenAI.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        config = root / "planted-gen.yaml"
        config.write_text(
            "name: planted-gen\npreset: agentic\nseed: 0\ndocuments: {source: sim, count: 5}\n"
            "models:\n"
            f"  weak: {{model: openai/fake-weak, api_base: 'http://127.0.0.1:{port}/v1', api_key_env: OPENAI_API_KEY}}\n",
            encoding="utf-8")
        gen_out = root / "gen-out"
        generated = ok(run_cli("generate", config, "--docs", "5", "--out", gen_out, store=store,
                               OPENAI_API_KEY=PLANTED_KEY))
        after_generate = len(FakeOpenAI.seen)
        sweep_config = sweep_yaml(root, "planted-sweep", base=config,
                                  knobs="    round_budget: {low: 3, high: 6}\n", genes="[challenger_instructions]",
                                  train=2, validation=3, test=3, candidates=3,
                                  operators="{optuna: 0.5, mutation: 0.5, merge: 0}")
        sweep_out = root / "sweep-out"
        swept = ok(run_cli("sweep", sweep_config, "--storage", f"sqlite:///{store / 'optuna.db'}",
                           "--out", sweep_out, store=store, OPENAI_API_KEY=PLANTED_KEY))
    finally:
        server.shutdown()
        server.server_close()
    return SimpleNamespace(root=root, store=store, config=config, gen_out=gen_out, sweep_out=sweep_out,
                           generated=generated, swept=swept, seen=list(FakeOpenAI.seen),
                           after_generate=after_generate)


@pytest.mark.slow
def test_planted_key_reaches_the_endpoint_and_nothing_written(planted: SimpleNamespace) -> None:
    # The key was really used: every request the endpoint saw carried it, in both commands.
    assert planted.after_generate >= 5 and len(planted.seen) > planted.after_generate, planted.seen[:3]
    assert {path for path, _, _ in planted.seen} == {"/v1/chat/completions"}
    assert {auth for _, auth, _ in planted.seen} == {f"Bearer {PLANTED_KEY}"}
    assert {model for _, _, model in planted.seen} == {"fake-weak"}
    needles = [PLANTED_KEY.encode(), PLANTED_KEY.removeprefix("sk-").encode()]
    # The search works: it finds the key where it is.
    (planted.root / "control").mkdir(exist_ok=True)
    (planted.root / "control" / "key.bin").write_bytes(b"\x00prefix" + PLANTED_KEY.encode() + b"suffix")
    found, _, _ = files_containing(planted.root / "control", needles)
    assert found == ["key.bin"]
    (planted.root / "control" / "key.bin").unlink()
    # Every byte under OUT/ and under the store (MLflow db and artifacts, Optuna db, DSPy cache).
    found, count, total = files_containing(planted.root, needles)
    assert found == []
    store_files = {p.relative_to(planted.store).parts[0] for p in planted.store.rglob("*") if p.is_file()}
    assert {"mlflow.db", "optuna.db", "artifacts", "dspy_cache"} <= store_files, store_files
    assert count >= 60 and total >= 500_000, (count, total)
    assert (planted.gen_out / "accepted.jsonl").exists() and (planted.sweep_out / "report.json").exists()
    # The configuration written to OUT/ and to MLflow names the variable, never its value.
    for resolved in [planted.gen_out / "config.resolved.json", *planted.sweep_out.glob("evals/*/config.resolved.json")]:
        config = json.loads(resolved.read_text(encoding="utf-8"))["config"]
        assert config == redact(config)
        assert config["models"]["weak"]["api_key_env"] == "OPENAI_API_KEY"
    client = MlflowClient(tracking_uri=tracking_uri(planted.store))
    for experiment in ("planted-gen", "planted-sweep"):
        runs = client.search_runs([client.get_experiment_by_name(experiment).experiment_id])
        assert runs, experiment
        for run in runs:
            text = json.dumps([run.data.params, run.data.tags])
            assert PLANTED_KEY not in text and "PLANTED" not in text


@pytest.mark.slow
def test_generate_logs_one_generation_run(planted: SimpleNamespace, tmp_path: Path) -> None:
    client = MlflowClient(tracking_uri=tracking_uri(planted.store))
    experiment = client.get_experiment_by_name("planted-gen")
    runs = client.search_runs([experiment.experiment_id])
    assert len(runs) == 1
    run = runs[0]
    run_id, params, metrics, tags = run.info.run_id, run.data.params, run.data.metrics, run.data.tags
    assert f"run {run_id}" in " ".join(planted.generated.stdout.split())
    assert run.info.status == "FINISHED" and run.info.run_name == "agentic-seed0"
    assert tags["autodata.kind"] == "generation" and "mlflow.parentRunId" not in tags
    assert tags["autodata.out"] == str(planted.gen_out.resolve())
    assert tags["simulated"] == "true"  # five of six roles are the offline world
    assert tags["version.mlflow"] == mlflow.__version__ and is_repo_commit(tags["git_commit"])
    config = load_config(planted.config, {"documents.count": 5})
    # Params: every knob, gene texts and their bank ids, role models, preset, seed.
    assert {k: v for k, v in params.items() if k.startswith("knob.")} == {
        f"knob.{k}": str(v) for k, v in config.knobs.model_dump().items()}
    assert {g: params[f"gene.{g}"] for g in GENES} == {g: getattr(config.genes, g) for g in GENES}
    assert {params[f"gene_id.{g}"] for g in GENES} == {text_id(getattr(config.genes, g)) for g in GENES}
    assert params["model.weak"] == "openai/fake-weak" and params["model.strong"] == "sim/strong"
    assert (params["preset"], params["seed"], params["harness_hash"]) == ("agentic", "0", config.harness_hash())
    assert all(len(v) < 100 for k, v in params.items() if not k.startswith("gene."))
    # Metrics: the scorecard written to OUT/.
    card = Scorecard.model_validate_json((planted.gen_out / "scorecard.json").read_text(encoding="utf-8"))
    expected = {k: m.value for k, m in card.metrics.items() if m.value is not None}
    assert metrics.keys() == expected.keys()
    for key, value in expected.items():
        assert metrics[key] == pytest.approx(value), key
    summary = json.loads((planted.gen_out / "summary.json").read_text(encoding="utf-8"))
    assert metrics["accepted"] == summary["accepted"] and summary["documents"] == 5
    # Artifacts: gene texts, the resolved config (redacted), the records, and the dataset input.
    files = artifact_files(client, run_id)
    assert set(files) == {*(f"genes/{g}.txt" for g in GENES), "config/resolved.json",
                          *(f"evaluation/{name}" for name in EVAL_ARTIFACTS)}
    for gene in GENES:
        assert artifact_bytes(client, run_id, f"genes/{gene}.txt", tmp_path).decode() == getattr(config.genes, gene)
    for name in EVAL_ARTIFACTS:
        assert artifact_bytes(client, run_id, f"evaluation/{name}", tmp_path) == (planted.gen_out / name).read_bytes()
    logged = json.loads(artifact_bytes(client, run_id, "config/resolved.json", tmp_path))
    assert logged == redact(config.model_dump(mode="json"))
    inputs = client.get_run(run_id).inputs.dataset_inputs
    if summary["accepted"]:
        assert len(inputs) == 1 and json.loads(inputs[0].dataset.profile)["num_rows"] == summary["accepted"]
    else:
        assert inputs == []


# --- resume: a finished sweep run again adds nothing ---------------------------------------------


@pytest.mark.slow
def test_rerunning_a_finished_sweep_adds_no_runs(sweep: SimpleNamespace) -> None:
    parent, candidates, tests = split_runs(sweep)
    history = sweep.client.get_metric_history(parent.info.run_id, "best_so_far")
    ok(run_cli(*sweep.argv, store=sweep.store))
    runs = sweep.client.search_runs([sweep.experiment.experiment_id], max_results=1000)
    assert sorted(r.info.run_id for r in runs) == sorted(r.info.run_id for r in sweep.runs)
    again = [r for r in runs if r.data.tags.get("autodata.kind") == "sweep"]
    assert [r.info.run_id for r in again] == [parent.info.run_id]
    assert again[0].info.status == "FINISHED"
    assert len([r for r in runs if r.data.tags.get("autodata.split") == "test"]) == len(tests)
    after = sweep.client.get_metric_history(parent.info.run_id, "best_so_far")
    assert [(m.step, m.value) for m in after] == [(m.step, m.value) for m in history]
    assert json.loads((sweep.out / "report.json").read_text(encoding="utf-8"))["best"] == sweep.report["best"]


def test_accepted_dataset_entity_matches_what_mlflow_infers(tmp_path: Path) -> None:
    # The entity is built without pandas for speed; it must say what mlflow.data.from_pandas would.
    import mlflow
    import pandas as pd
    from mlflow.data.code_dataset_source import CodeDatasetSource

    from experiments.tracking import DATASET_COLUMNS, accepted_dataset

    rows = [{"id": f"s{i}", "doc_id": "d", "sample": {"question": "q?", "context": "c", "final_answer": "4"},
             "weak_mean": 0.25, "strong_mean": 1.0, "gap": 0.75} for i in range(3)]
    (tmp_path / "accepted.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    frame = pd.DataFrame([{name: (r["sample"].get(name) if name in r["sample"] else r[name])
                           for name, _ in DATASET_COLUMNS} for r in rows])
    inferred = mlflow.data.from_pandas(frame, source=CodeDatasetSource({"autodata.dataset": "x"}), name="n")
    built = accepted_dataset(tmp_path, rows)
    assert json.loads(built.schema) == json.loads(inferred._to_mlflow_entity().schema)
    assert json.loads(built.profile) == json.loads(inferred._to_mlflow_entity().profile) == {
        "num_rows": 3, "num_elements": 24}
    assert built.source_type == "code" and built.name == f"accepted-{tmp_path.name}"
    assert json.loads(built.source)["tags"]["autodata.dataset"].endswith("accepted.jsonl")


@pytest.mark.slow
def test_compare_of_an_experiment_with_generations_only_ranks_and_plots_them(planted: SimpleNamespace) -> None:
    plot = planted.store.parent / "generations.png"
    result = ok(run_cli("compare", "planted-gen", "--plot", plot, store=planted.store, timeout=120))
    assert "generations: 1 runs, best first by acceptance_rate (higher is better)" in " ".join(result.stdout.split())
    assert "agentic-seed0" in result.stdout
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_the_reports_logging_racing_another_worker_is_retried_then_reported_never_fatal(monkeypatch) -> None:
    """Three workers on PostgreSQL each log the report to the one parent run at their end; two at once
    raced on the "mlflow.loggedArtifacts" tag (a unique violation) and the worker exited 1."""
    from experiments.tracking import SweepTracker
    from search.config import load_sweep_config

    config = load_sweep_config(REPO / "experiments" / "configs" / "sweep_demo.yaml")
    tracker = SweepTracker("racing", "racing-seed0", config.harness, list(config.search.knobs),
                           config.search.model_dump(mode="json"))
    attempts = []

    def racing(report: dict) -> None:
        attempts.append(report)
        if len(attempts) == 1:
            raise RuntimeError("duplicate key value violates unique constraint \"tag_pk\"")

    monkeypatch.setattr(tracker, "_log_report", racing)
    assert tracker.close({"seed": {}, "best": {}}) == [] and len(attempts) == 2  # the second attempt went through

    other = SweepTracker("racing", "racing-seed1", config.harness, list(config.search.knobs),
                         config.search.model_dump(mode="json"))
    monkeypatch.setattr(other, "_log_report", lambda report: (_ for _ in ()).throw(RuntimeError("down")))
    assert other.close({"seed": {}, "best": {}}) == ["RuntimeError: down"]  # reported, not raised
    assert MlflowClient().get_run(other.parent).info.status == "FINISHED"
