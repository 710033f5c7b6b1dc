"""What a sweep leaves to take away: best.yaml (generate runs it, show-config reads it), and the
export of its best harness's test evaluation. Through the Python API (``import autodata``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import autodata
from experiments.cli import app

DEMO = autodata.config_path("demo")


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> autodata.SweepResult:
    root = tmp_path_factory.mktemp("takeaway")
    config = root / "tiny.yaml"
    config.write_text(
        f"name: tiny\nseed: 3\nbase: {DEMO}\nharness: {{tracking: {{enabled: false}}}}\n"
        "search:\n  knobs:\n    round_budget: {low: 3, high: 6}\n  genes: [challenger_instructions]\n"
        "  splits: {train: 2, validation: 3, test: 3}\n  budget: {candidates: 3}\n", encoding="utf-8")
    events: list[object] = []
    result = autodata.sweep(config, root / "out", storage=f"sqlite:///{root / 'optuna.db'}", callbacks=[events.append])
    # The caller's callbacks hear every candidate the report counts, as it finishes.
    finished = [e.number for e in events if type(e).__name__ == "CandidateFinished"]
    assert sorted(finished) == sorted(c["trial"] for c in result.report["candidates"] if not c.get("rejected")
                                      and c.get("repeat_of") is None), (finished, result.report["candidates"])
    assert result.study == result.report["study"] and result.spent["candidates"] == len(finished)
    return result


def test_a_sweep_writes_best_yaml_that_generate_runs_as_the_best_harness(swept, tmp_path: Path) -> None:
    assert isinstance(swept, autodata.SweepResult)
    assert swept.best_config == swept.out / "best.yaml" and swept.best_config.is_file()
    best = autodata.load_config(swept.best_config)
    assert best.harness_hash() == swept.best_harness_hash == swept.report["best"]["harness_hash"]
    assert best.seed == 3 and best.name == "tiny-best"
    assert best.knobs.round_budget == swept.report["best"]["knobs"]["round_budget"]

    shown = CliRunner().invoke(app, ["show-config", str(swept.best_config)])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["harness_hash"] == swept.best_harness_hash

    out = tmp_path / "again"
    ran = CliRunner().invoke(app, ["generate", str(swept.best_config), "--docs", "2", "--out", str(out), "--no-track"])
    assert ran.exit_code == 0, ran.output
    assert json.loads((out / "summary.json").read_text())["harness_hash"] == swept.best_harness_hash


def test_exporting_a_sweep_exports_its_best_harness_test_evaluation(swept, tmp_path: Path) -> None:
    result = autodata.export(swept.out, "jsonl", tmp_path / "export")
    assert result.source.name == f"{swept.best_harness_hash}-test-s3"
    assert "its test evaluation" in result.source_note and swept.best_harness_hash in result.source_note
    rows = [json.loads(line) for line in result.files["accepted"][0].read_text().splitlines()]
    assert {r["harness_hash"] for r in rows} <= {swept.best_harness_hash}
    assert len(rows) == result.counts["accepted"]
    assert "its test evaluation" in result.card.read_text()


def test_generate_through_the_api_returns_a_typed_result(tmp_path: Path) -> None:
    run = autodata.generate(DEMO, tmp_path / "run", track=False, overrides={"documents.count": 2})
    assert isinstance(run, autodata.GenerationResult)
    assert run.summary["documents"] == 2 and run.accepted_file.is_file()
    assert run.scorecard.metrics["acceptance_rate"].value == run.summary["acceptance_rate"]
    assert run.simulated_roles == ["challenger", "judge", "orchestrator", "qv", "strong", "weak"]
    assert run.mlflow_run_id is None


def test_the_cli_prints_its_version() -> None:
    shown = CliRunner().invoke(app, ["--version"])
    assert shown.exit_code == 0 and shown.output.strip() == f"autodata {autodata.__version__}"


def test_generate_through_the_api_refuses_a_folder_another_run_holds(tmp_path: Path) -> None:
    from harness.outlock import OutputError, exclusive_output

    out = tmp_path / "held"
    with exclusive_output(out, "another run"), pytest.raises(OutputError, match="another run"):
        autodata.generate(DEMO, out, track=False, overrides={"documents.count": 1})
    assert not (out / "rounds.jsonl").exists()  # nothing was generated into it
