"""The take-away: accepted.jsonl in one shape for every preset, and ``autodata export``."""

from __future__ import annotations

import json
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


@pytest.fixture(scope="module")
def exports(runs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], object]:
    import autodata

    datasets.disable_progress_bars()
    root = tmp_path_factory.mktemp("exports")
    return {(preset, fmt): autodata.export(out, fmt, root / f"{preset}-{fmt}")
            for preset, out in runs.items() for fmt in ("jsonl", "parquet", "hf")}


def test_every_export_loads_with_load_dataset_and_its_declared_types(exports, tmp_path: Path) -> None:
    from experiments.export_rows import features

    for (preset, fmt), result in exports.items():
        for view, config in (("accepted", "default"), ("chat", "chat"), ("rejected", "rejected")):
            loaded = datasets.load_dataset(str(result.directory), config, split="train", cache_dir=str(tmp_path))
            assert loaded.num_rows == result.counts[view], (preset, fmt, view)
            assert loaded.features == features(view), (preset, fmt, view)
        if fmt == "hf":  # datasets' own on-disk format
            assert datasets.load_from_disk(str(result.directory / "accepted")).num_rows == result.counts["accepted"]
    agentic = exports[("agentic", "jsonl")]
    assert agentic.counts["accepted"] >= 1 and agentic.counts["rejected"] >= 1


def test_agentic_and_cot_exports_load_together_as_parquet_and_as_json(exports, runs, tmp_path: Path) -> None:
    from experiments.export_rows import features

    pair = [exports[(p, "parquet")] for p in runs]
    for view in ("accepted", "chat", "rejected"):
        files = [str(r.files[view][0]) for r in pair]
        both = datasets.load_dataset("parquet", data_files=files, split="train", cache_dir=str(tmp_path / "p"))
        assert both.num_rows == sum(r.counts[view] for r in pair)
    # JSON: the accepted and chat views have the same types in every preset, so they load as they are.
    pair = [exports[(p, "jsonl")] for p in runs]
    for view in ("accepted", "chat"):
        for order in (pair, pair[::-1]):
            both = _load_json([r.files[view][0] for r in order], tmp_path / f"j-{view}-{order[0].format}")
            assert both.num_rows == sum(r.counts[view] for r in pair)
            assert both.features == features(view)
    accepted = _load_json([r.files["accepted"][0] for r in pair], tmp_path / "j")
    rows = {p: [r for r in accepted if r["preset"] == p] for p in runs}
    assert {r["final_check"] for r in rows["agentic"]} == {"final_qv"}
    assert {r["final_check"] for r in rows["cot-self-instruct"]} == {"answer_consistency"}
    assert all(r["rubric"] and {"criterion", "weight", "capability"} == set(r["rubric"][0]) for r in accepted)
    # Rejected candidates have fields a candidate never reached (null); a null column has no type
    # in JSON, so several files load together with the view's declared features.
    rejected = datasets.load_dataset("json", data_files=[str(r.files["rejected"][0]) for r in pair], split="train",
                                     features=features("rejected"), cache_dir=str(tmp_path / "r"))
    assert rejected.num_rows == sum(r.counts["rejected"] for r in pair)
    assert {r["decision"] for r in rejected} <= {"too_easy", "failed_on_strong", "failed_quality_check", "filtered",
                                                  "error", "final_qv_rejected", "not_chosen"}
    assert all(r["reason"] for r in rejected)


def test_the_chat_view_is_prompt_reference_and_rubric(exports) -> None:
    result = exports[("agentic", "jsonl")]
    accepted = _load_json([result.files["accepted"][0]], result.directory / "cache-a")
    chat = _load_json([result.files["chat"][0]], result.directory / "cache-c")
    for sample, row in zip(accepted, chat, strict=True):
        assert row["id"] == sample["id"]
        assert row["prompt"] == f"{sample['context']}\n\n{sample['question']}"
        assert row["completion"] == sample["reference_answer"]
        assert row["messages"] == [{"role": "user", "content": row["prompt"]},
                                   {"role": "assistant", "content": sample["reference_answer"]}]
        assert row["rubric"] == sample["rubric"]


def _front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return _front_matter_text(text)


def test_the_card_renders_and_labels_simulated_roles(exports) -> None:
    from huggingface_hub import DatasetCard

    result = exports[("cot-self-instruct", "parquet")]
    meta = _front_matter(result.card)
    assert {c["config_name"] for c in meta["configs"]} == {"default", "chat", "rejected"}
    assert "simulated" in meta["tags"]
    assert meta["autodata"]["simulated_roles"] == ["challenger", "judge", "orchestrator", "qv", "strong", "weak"]
    card = DatasetCard.load(result.card)  # the hub's own parser
    assert card.data.pretty_name.startswith("autodata cot-self-instruct dataset")
    for role in ("challenger", "qv", "weak", "strong", "judge", "orchestrator"):
        assert f"| {role} | `sim/{role}` | SIMULATED (offline world) |" in card.text
    assert "**SIMULATED**" in card.text and "## Failure mix" in card.text and "gap (strong - weak)" in card.text


def test_the_card_labels_each_role_real_or_simulated(runs, tmp_path: Path) -> None:
    """A run whose summary records only the weak solver and the judge as simulated (e.g. serve-sim
    behind their api_base): those two are SIMULATED, the others real."""
    from experiments.dataset_card import CardFacts, render

    summary = json.loads((runs["agentic"] / "summary.json").read_text())
    summary["models"] = {**summary["models"], "challenger": "openai/gpt-4o", "strong": "openai/Qwen/Qwen3-32B"}
    summary["simulated_roles"] = ["judge", "weak"]
    facts = CardFacts("t", "a generation", summary, {}, {}, {}, [], {"accepted": 0}, {"accepted": ["accepted.jsonl"]},
                      "jsonl")
    text = render(facts)
    assert "| challenger | `openai/gpt-4o` | real |" in text
    assert "| weak | `sim/weak` | SIMULATED (offline world) |" in text
    assert "| judge | `sim/judge` | SIMULATED (offline world) |" in text
    assert _front_matter_text(text)["autodata"]["simulated_roles"] == ["judge", "weak"]


def _front_matter_text(text: str) -> dict:
    import yaml

    return yaml.safe_load(text.split("---\n", 2)[1])
