"""The take-away: accepted.jsonl in one shape for every preset, and ``autodata export``."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.config import parse_config
from harness.documents import load_documents
from harness.generate import generate

datasets = pytest.importorskip("datasets")


def _run(out: Path, preset: str) -> Path:
    config = parse_config({"name": "export-test", "preset": preset, "documents": {"count": 4},
                           "tracking": {"enabled": False}})
    generate(config, load_documents(config.documents), out)
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An agentic and a CoT-Self-Instruct generation on the same 4 offline-world documents (SIMULATED)."""
    root = tmp_path_factory.mktemp("export-runs")
    return {preset: _run(root / preset, preset) for preset in ("agentic", "cot-self-instruct")}


def _load_json(files: list[Path], cache: Path):
    return datasets.load_dataset("json", data_files=[str(f) for f in files], split="train", cache_dir=str(cache))


def test_accepted_jsonl_of_agentic_and_cot_load_together(runs: dict[str, Path], tmp_path: Path) -> None:
    # The agentic preset writes no plan and CoT-Self-Instruct runs no final QV: before, one preset's
    # column was all null and the other's a string, which datasets cannot join.
    files = [runs["agentic"] / "accepted.jsonl", runs["cot-self-instruct"] / "accepted.jsonl"]
    both = _load_json(files, tmp_path / "cache")
    by_preset = {p: [r for r in both if r["preset"] == p] for p in runs}
    assert all(by_preset.values()), "each preset accepted at least one sample"
    assert {r["final_check"]["name"] for r in by_preset["agentic"]} == {"final_qv"}
    assert {r["final_check"]["name"] for r in by_preset["cot-self-instruct"]} == {"answer_consistency"}
    assert all(r["sample"]["plan"] == "" for r in by_preset["agentic"])
    assert all(r["sample"]["plan"].startswith("Plan:") for r in by_preset["cot-self-instruct"])
    assert all(r["final_check"]["verdict"] == "PASS" for r in both)
