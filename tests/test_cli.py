"""End-to-end tests of the ``autodata`` command line, run as real subprocesses on the offline world."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "experiments" / "configs" / "demo.yaml"

SUMMARY_KEYS = {
    "documents", "rounds", "accepted", "acceptance_rate", "weak_mean", "strong_mean", "gap_mean",
    "rounds_per_accepted", "failure_reasons", "calls", "tokens", "simulated", "preset", "seed", "harness_hash",
}


def cli_env(store: Path, drop: tuple[str, ...] = ()) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["AUTODATA_STORE"] = str(store)
    # The store decides where MLflow and DSPy keep things; inherited values would bypass it.
    for name in ("MLFLOW_TRACKING_URI", "DSPY_CACHEDIR"):
        env.pop(name, None)
    return env


def run_cli(*args: str | Path, store: Path, drop: tuple[str, ...] = (), timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "experiments.cli", *map(str, args)],
        cwd=REPO, env=cli_env(store, drop), capture_output=True, text=True, timeout=timeout,
    )


def read_jsonl(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8")
    assert text == "" or text.endswith("\n"), f"{path} ends with a partial line"
    return [json.loads(line) for line in text.splitlines()]


def assert_usage_error(result: subprocess.CompletedProcess, *needles: str) -> str:
    """Exit 2, exactly one non-empty line on stderr naming the problem, and no traceback anywhere."""
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    message = lines[0]
    assert message.startswith("error:"), message
    for needle in needles:
        assert needle in message, f"{needle!r} not in {message!r}"
    return message


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "store"
    path.mkdir()
    return path


# --- generate ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_generate_demo_writes_records_and_a_consistent_summary(tmp_path: Path, store: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("generate", DEMO, "--docs", "12", "--out", out, store=store)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SIMULATED" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary.keys() >= SUMMARY_KEYS, SUMMARY_KEYS - summary.keys()
    assert summary["simulated"] is True
    assert summary["preset"] == "agentic"
    assert summary["seed"] == 0
    assert summary["documents"] == 12
    assert isinstance(summary["harness_hash"], str) and summary["harness_hash"]
    assert summary["rounds"] >= summary["documents"]  # at least one round per document
    assert 0 < summary["accepted"] <= summary["documents"]
    assert sum(summary["calls"].values()) > 0

    accepted = read_jsonl(out / "accepted.jsonl")
    assert len(accepted) == summary["accepted"]
    assert len({row["id"] for row in accepted}) == len(accepted)
    rule = {"gap_min": 0.20, "weak_mean_max": 0.65}
    for row in accepted:
        # Provenance: where the sample came from and which harness made it.
        assert row["doc_id"].startswith("sim-")
        assert row["harness_hash"] == summary["harness_hash"]
        assert isinstance(row["round"], int) and row["round"] >= 1
        sample = row["sample"]
        assert sample["question"] and sample["reference_answer"]
        assert len(sample["rubric"]) >= 1
        assert all("criterion" in c and "weight" in c for c in sample["rubric"])
        # The acceptance rule holds for every sample in the dataset.
        assert row["gap"] >= rule["gap_min"] - 1e-9, row["id"]
        assert row["weak_mean"] <= rule["weak_mean_max"] + 1e-9, row["id"]
        assert row["gap"] == pytest.approx(row["strong_mean"] - row["weak_mean"])

    rounds = read_jsonl(out / "rounds.jsonl")
    assert len(rounds) == summary["rounds"]
    assert len({(r["doc_id"], r["round"]) for r in rounds}) == len(rounds)
    docs_with_sample = {row["doc_id"] for row in accepted}
    assert summary["acceptance_rate"] == pytest.approx(len(docs_with_sample) / 12, abs=1e-4)
    gap_mean = sum(row["gap"] for row in accepted) / len(accepted)
    assert summary["gap_mean"] == pytest.approx(gap_mean, abs=1e-4)


# --- bad input ---------------------------------------------------------------------------------


def test_malformed_yaml_is_one_line_naming_file_and_position(tmp_path: Path, store: Path) -> None:
    config = tmp_path / "broken.yaml"
    config.write_text("name: broken\nknobs: [round_budget\n  solver_attempts: }\n", encoding="utf-8")
    result = run_cli("generate", config, "--docs", "2", "--out", tmp_path / "out", store=store)
    assert_usage_error(result, "broken.yaml", "malformed YAML", "line ")
    assert not (tmp_path / "out").exists()


def test_unknown_field_names_file_and_field(tmp_path: Path, store: Path) -> None:
    config = tmp_path / "unknown.yaml"
    config.write_text("name: unknown\nknobs: {bogus: 1}\n", encoding="utf-8")
    result = run_cli("generate", config, "--docs", "2", "--out", tmp_path / "out", store=store)
    assert_usage_error(result, "unknown.yaml", "knobs.bogus", "unknown field")
    assert not (tmp_path / "out").exists()


def test_unknown_preset_lists_the_known_ones(tmp_path: Path, store: Path) -> None:
    result = run_cli("generate", DEMO, "--preset", "nonsense", "--docs", "2", "--out", tmp_path / "out", store=store)
    assert_usage_error(result, "demo.yaml", "preset", "nonsense", "agentic", "cot-self-instruct")
    assert not (tmp_path / "out").exists()


def test_missing_documents_folder_names_config_field_and_path(tmp_path: Path, store: Path) -> None:
    missing = tmp_path / "no-such-folder"
    config = tmp_path / "folder.yaml"
    config.write_text(f"name: folder\ndocuments: {{source: folder, path: {missing}}}\n", encoding="utf-8")
    result = run_cli("generate", config, "--out", tmp_path / "out", store=store)
    assert_usage_error(result, "folder.yaml", "documents.path", str(missing), "not found")
    assert not (tmp_path / "out" / "rounds.jsonl").exists()


@pytest.mark.slow
def test_real_provider_without_key_fails_before_any_record(tmp_path: Path, store: Path) -> None:
    config = tmp_path / "real.yaml"
    config.write_text("name: real\nmodels: {weak: {model: openai/gpt-4o-mini}}\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("generate", config, "--docs", "2", "--out", out, store=store, drop=("OPENAI_API_KEY",))
    assert_usage_error(result, "'weak'", "openai/gpt-4o-mini", "OPENAI_API_KEY")
    assert not (out / "rounds.jsonl").exists()
    assert not (out / "accepted.jsonl").exists()


# --- documents from files ----------------------------------------------------------------------

BINARY = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"
NOT_UTF8 = "Règlement municipal, article 3.\n".encode("latin-1")


def world_texts(count: int) -> list[str]:
    from harness.sim.world import World

    world = World(0)
    return [world.document(i).text for i in range(count)]


def assert_two_documents_three_skipped(result: subprocess.CompletedProcess, out: Path, bad: list[str]) -> None:
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 3, result.stderr
    for name, reason in zip(bad, ("empty", "binary", "not UTF-8"), strict=True):
        assert any(name in line and reason in line for line in warnings), (name, reason, result.stderr)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["documents"] == 2
    assert summary["documents_skipped"] == 3
    assert len(summary["skipped"]) == 3
    rounds = read_jsonl(out / "rounds.jsonl")
    assert len(rounds) == summary["rounds"] >= 2
    assert len({r["doc_id"] for r in rounds}) == 2


@pytest.mark.slow
def test_documents_from_folder_skip_unusable_files(tmp_path: Path, store: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    first, second = world_texts(2)
    (folder / "a_rules.txt").write_text(first, encoding="utf-8")
    (folder / "b_rules.txt").write_text(second, encoding="utf-8")
    (folder / "c_empty.txt").write_bytes(b"  \n")
    (folder / "d_image.txt").write_bytes(BINARY)
    (folder / "e_latin1.txt").write_bytes(NOT_UTF8)
    config = tmp_path / "folder.yaml"
    config.write_text("name: folder\ndocuments: {source: folder, path: corpus}\n", encoding="utf-8")  # relative to the YAML
    out = tmp_path / "out"
    result = run_cli("generate", config, "--out", out, store=store)
    assert_two_documents_three_skipped(result, out, ["c_empty.txt", "d_image.txt", "e_latin1.txt"])
    doc_ids = {r["doc_id"] for r in read_jsonl(out / "rounds.jsonl")}
    assert doc_ids == {"a_rules", "b_rules"}


@pytest.mark.slow
def test_documents_from_jsonl_skip_unusable_rows(tmp_path: Path, store: Path) -> None:
    first, second = world_texts(2)
    lines = [
        json.dumps({"id": "doc-a", "text": first}).encode(),
        json.dumps({"id": "doc-empty", "text": ""}).encode(),
        json.dumps({"id": "doc-binary", "text": "abc\u0000def"}).encode(),
        b'{"id": "doc-latin1", "text": "' + NOT_UTF8.strip() + b'"}',
        json.dumps({"id": "doc-b", "text": second}).encode(),
    ]
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_bytes(b"\n".join(lines) + b"\n")
    config = tmp_path / "jsonl.yaml"
    config.write_text(f"name: jsonl\ndocuments: {{source: jsonl, path: {corpus}}}\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("generate", config, "--out", out, store=store)
    assert_two_documents_three_skipped(result, out, ["corpus.jsonl:2", "corpus.jsonl:3", "corpus.jsonl:4"])
    doc_ids = {r["doc_id"] for r in read_jsonl(out / "rounds.jsonl")}
    assert doc_ids == {"doc-a", "doc-b"}


# --- real endpoints are routed through dspy.LM (in-process, no network) ------------------------


def test_real_endpoint_is_a_dspy_lm_with_the_key_from_the_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import dspy

    from harness.config import parse_config
    from harness.models import ModelRegistry, missing_credentials
    from harness.provenance import simulated_roles

    monkeypatch.setenv("MY_TEST_KEY", "sk-test-123")
    config = parse_config({"models": {"weak": {"model": "openai/gpt-4o-mini", "api_key_env": "MY_TEST_KEY"}}})
    registry = ModelRegistry(config.models, config.runtime)
    lm = registry.lm("weak")
    assert isinstance(lm, dspy.LM)
    assert lm.model == "openai/gpt-4o-mini"
    # The key reaches DSPy's native client inside the endpoint engine, never the LM's kwargs
    # (which DSPy records in history and traces).
    engine = lm._async_engine_spec
    assert list(engine.inner.config.api_keys.values()) == ["sk-test-123"]
    assert "api_key" not in lm.kwargs
    assert missing_credentials(config.models) == []
    assert registry.lm("strong").model == "sim/strong"  # the other roles stay on the offline world
    assert simulated_roles(config) == ["challenger", "judge", "orchestrator", "qv", "strong"]  # labelled per role

    monkeypatch.delenv("MY_TEST_KEY")
    problems = missing_credentials(config.models)
    assert len(problems) == 1
    assert problems[0].role == "weak"
    assert "MY_TEST_KEY" in str(problems[0]) and "'weak'" in str(problems[0])
    assert "sk-test-123" not in str(problems[0])


def test_local_openai_compatible_server_needs_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    import dspy

    from harness.config import parse_config
    from harness.models import ModelRegistry, missing_credentials

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    config = parse_config({"models": {"strong": {"model": "openai/qwen", "api_base": "http://127.0.0.1:9/v1"}}})
    assert missing_credentials(config.models) == []
    lm = ModelRegistry(config.models, config.runtime).lm("strong")
    assert isinstance(lm, dspy.LM)
    assert lm.model == "openai/qwen"
    inner = lm._async_engine_spec.inner.config
    assert list(inner.base_urls.values()) == ["http://127.0.0.1:9/v1"]
    assert list(inner.api_keys.values()) == ["not-needed"]  # a placeholder: OpenAI clients refuse an empty key
    assert lm._async_engine_spec.endpoint == "http://127.0.0.1:9/v1"  # its own limiter


# --- presets side by side ----------------------------------------------------------------------


@pytest.mark.slow
def test_presets_agentic_beats_cot_self_instruct_on_gap(tmp_path: Path, store: Path) -> None:
    out = tmp_path / "cmp"
    result = run_cli(
        "presets", DEMO, "--preset", "cot-self-instruct", "--preset", "agentic", "--docs", "40", "--seed", "0",
        "--out", out, store=store,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "cot-self-instruct" in result.stdout and "agentic" in result.stdout
    assert "SIMULATED" in result.stdout

    cot = json.loads((out / "cot-self-instruct-seed0" / "summary.json").read_text(encoding="utf-8"))
    agentic = json.loads((out / "agentic-seed0" / "summary.json").read_text(encoding="utf-8"))
    assert cot["preset"] == "cot-self-instruct" and agentic["preset"] == "agentic"
    assert cot["documents"] == agentic["documents"] == 40
    assert cot["simulated"] is True and agentic["simulated"] is True
    assert cot["harness_hash"] != agentic["harness_hash"]
    # The requirement: on 40 documents the agentic loop's data is clearly more discriminative.
    assert agentic["gap_mean"] >= cot["gap_mean"] + 0.15, (agentic["gap_mean"], cot["gap_mean"])
    # CoT-Self-Instruct is one shot: exactly one round per document.
    assert cot["rounds"] == cot["documents"]
    assert len(read_jsonl(out / "cot-self-instruct-seed0" / "rounds.jsonl")) == 40
    assert agentic["rounds"] > agentic["documents"]
    assert f"{agentic['gap_mean'] - cot['gap_mean']:+.3f}" in result.stdout
