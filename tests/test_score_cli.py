"""The scorecard from the command line: ``generate --downstream`` and ``score``, run as real subprocesses."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "experiments" / "configs" / "demo.yaml"
EXIT_INCOMPLETE = 3

FAIL_SCRIPT = """
import json, sys
from pathlib import Path
# Leave the arguments where the test can check them, then fail like a crashed GPU job.
Path(__file__).with_name("fail_args.json").write_text(json.dumps(sys.argv[1:]))
print("RuntimeError: CUDA out of memory", file=sys.stderr)
sys.exit(1)
"""


def cli_env(store: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["AUTODATA_STORE"] = str(store)
    for name in ("MLFLOW_TRACKING_URI", "DSPY_CACHEDIR"):
        env.pop(name, None)
    return env


def run_cli(*args: str | Path, store: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "experiments.cli", *map(str, args)],
        cwd=REPO, env=cli_env(store), capture_output=True, text=True, timeout=timeout,
    )


def stderr_lines(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("store")


@pytest.fixture(scope="module")
def failing_run(tmp_path_factory, store):
    """The demo on 6 documents with a downstream command that exits 1; the scorecard as first written."""
    base = tmp_path_factory.mktemp("failing")
    (base / "fail.py").write_text(FAIL_SCRIPT, encoding="utf-8")
    config = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    config["downstream"] = {
        "kind": "command",
        "command": f"{shlex.quote(sys.executable)} {shlex.quote(str(base / 'fail.py'))} {{dataset}} {{output}}",
        "timeout_s": 30,
    }
    config_path = base / "failing.yaml"
    config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
    out = base / "out"
    result = run_cli("generate", config_path, "--docs", "6", "--out", out, store=store)
    return result, out, read_json(out / "scorecard.json") if (out / "scorecard.json").exists() else None, base


@pytest.mark.slow
def test_generate_with_sim_downstream_writes_a_complete_scorecard(tmp_path: Path, store: Path):
    out = tmp_path / "out"
    result = run_cli("generate", DEMO, "--docs", "6", "--out", out, "--downstream", "sim", store=store)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "scorecard" in result.stdout
    card = read_json(out / "scorecard.json")
    summary = read_json(out / "summary.json")
    assert card["complete"] is True and card["problems"] == []
    assert card["simulated"] is True
    assert card["documents"] == 6
    metrics = card["metrics"]
    assert metrics["acceptance_rate"]["direction"] == "maximize"
    assert metrics["acceptance_rate"]["value"] == pytest.approx(summary["acceptance_rate"], abs=1e-4)
    assert metrics["accepted"]["value"] == summary["accepted"]
    downstream = card["downstream"]
    assert downstream["trainer"] == "sim"
    assert downstream["ok"] is True
    assert downstream["simulated"] is True
    assert downstream["samples_used"] == summary["accepted"]
    assert metrics["downstream_reward"]["value"] == pytest.approx(downstream["reward"])
    assert downstream["reward"] == pytest.approx(downstream["after"] - downstream["before"])


@pytest.mark.slow
def test_failed_downstream_command_marks_the_run_incomplete(failing_run):
    result, out, card, base = failing_run
    assert result.returncode == EXIT_INCOMPLETE, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    lines = stderr_lines(result)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("incomplete:")
    assert "downstream evaluation (command) failed" in lines[0]
    assert "exited with code 1" in lines[0]
    # the other results are kept
    for name in ("scorecard.json", "summary.json", "accepted.jsonl", "rounds.jsonl"):
        assert (out / name).exists(), name
    summary = read_json(out / "summary.json")
    accepted = [line for line in (out / "accepted.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(accepted) == summary["accepted"] > 0
    assert card is not None
    assert card["complete"] is False
    assert card["downstream"]["ok"] is False
    assert card["downstream"]["reason"] == "exited with code 1"
    assert "CUDA out of memory" in card["downstream"]["details"]["stderr"]
    assert any("exited with code 1" in p for p in card["problems"])
    assert card["metrics"]["acceptance_rate"]["value"] == pytest.approx(summary["acceptance_rate"], abs=1e-4)
    assert card["metrics"]["downstream_reward"]["value"] is None
    # the command got the run's dataset file and a result path inside the output directory
    dataset_arg, output_arg = json.loads((base / "fail_args.json").read_text(encoding="utf-8"))
    assert Path(dataset_arg) == (out / "accepted.jsonl").resolve()
    assert Path(output_arg).parent == (out / "downstream").resolve()


@pytest.mark.slow
def test_score_prints_the_stored_scorecard_and_exits_incomplete(failing_run, store):
    _, out, card, _ = failing_run
    result = run_cli("score", out, store=store)
    assert result.returncode == EXIT_INCOMPLETE, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "acceptance_rate" in result.stdout
    assert "FAILED" in result.stdout
    lines = stderr_lines(result)
    assert len(lines) == 1 and lines[0].startswith("incomplete:") and "exited with code 1" in lines[0]
    assert read_json(out / "scorecard.json") == card  # printed, not recomputed


@pytest.mark.slow
def test_score_with_another_trainer_recomputes_and_completes(failing_run, store, tmp_path: Path):
    _, out, card, _ = failing_run
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    result = run_cli("score", copy, "--downstream", "sim", store=store)
    assert result.returncode == 0, result.stdout + result.stderr
    again = read_json(copy / "scorecard.json")
    assert again["complete"] is True
    assert again["downstream"]["trainer"] == "sim" and again["downstream"]["ok"] is True
    assert again["metrics"]["acceptance_rate"] == card["metrics"]["acceptance_rate"]


def test_score_on_a_directory_without_records_is_a_usage_error(tmp_path: Path, store: Path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_cli("score", empty, store=store)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    lines = stderr_lines(result)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error:") and str(empty) in lines[0]
    assert "not a generation output directory" in lines[0]
    assert not (empty / "scorecard.json").exists()


@pytest.mark.slow
def test_score_with_a_config_but_no_rounds_is_a_usage_error(failing_run, store: Path, tmp_path: Path):
    _, out, _, _ = failing_run
    partial = tmp_path / "partial"
    partial.mkdir()
    shutil.copy(out / "config.resolved.json", partial / "config.resolved.json")
    result = run_cli("score", partial, store=store)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    lines = stderr_lines(result)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error:") and "no rounds.jsonl" in lines[0]


def test_embedding_dispersion_when_an_embedding_model_is_configured(tmp_path):
    """scoring.embedding_model switches embedding dispersion on (sim/hashing works offline)."""
    from harness.config import parse_config
    from harness.documents import load_documents
    from harness.generate import generate
    from objectives.evaluate import score_run

    config = parse_config({"documents": {"count": 6}, "scoring": {"embedding_model": "sim/hashing"}})
    generate(config, load_documents(config.documents), tmp_path)
    card = score_run(tmp_path, config)
    dispersion = card.value("embedding_dispersion")
    assert dispersion is not None and 0.0 < dispersion < 1.0
    plain = score_run(tmp_path, config.model_copy(update={"scoring": type(config.scoring)()}))
    assert plain.value("embedding_dispersion") is None


def test_a_smaller_run_on_a_larger_runs_directory_is_scored_on_its_own_documents(tmp_path: Path) -> None:
    # The directory keeps the larger run's records (resume is per document); the summary and the
    # scorecard of the second run both count only its own documents.
    from harness.config import parse_config
    from harness.documents import load_documents
    from harness.generate import generate
    from objectives.evaluate import score_run

    out = tmp_path / "out"
    for count in (6, 3):
        config = parse_config({"documents": {"count": count}, "tracking": {"enabled": False}})
        summary = generate(config, load_documents(config.documents), out)
    card = score_run(out, config)
    assert summary["documents"] == card.documents == 3
    assert card.value("accepted") == summary["accepted"] <= 3
    assert card.value("acceptance_rate") == pytest.approx(summary["acceptance_rate"], abs=1e-4)  # the summary rounds
