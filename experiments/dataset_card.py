"""The export's dataset card: README.md with YAML front matter as on the Hugging Face hub.

The front matter declares each view as a ``datasets`` config (its files and typed features), so
``datasets.load_dataset(EXPORT_DIR)`` (or ``..., "chat"``) loads the export as written. The body
says where the data came from: the harness, each role's model with its REAL or SIMULATED label
(``summary["simulated_roles"]``, decided by ``harness/provenance.py``), counts, acceptance,
weak/strong/gap statistics, the failure mix, and the resolved configuration.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from experiments.export_rows import SCHEMA_VERSION, features

VIEW_CONFIG = {"accepted": "default", "chat": "chat", "rejected": "rejected"}
VIEW_TEXT = {
    "accepted": "the dataset: one row per accepted sample (flat; `rubric` as `{criterion, weight}` items)",
    "chat": "SFT and GRPO: `prompt` (context + question), `completion` (the reference answer), `messages`, "
            "and `rubric`, the reward spec",
    "rejected": "every evaluated candidate that did not enter the dataset, with `decision` and `reason`",
}


@dataclass
class CardFacts:
    """What the card states, gathered by the exporter."""

    title: str
    source: str  # what was exported, in words (a generation directory, or a sweep's evaluation)
    summary: dict[str, Any]
    resolved: dict[str, Any]  # config.resolved.json
    failure_counts: dict[str, int]
    failure_mix: dict[str, float]
    accepted: list[dict[str, Any]]  # accepted-view rows (for the statistics)
    counts: dict[str, int]  # rows per view
    files: dict[str, list[str]]  # view -> data files, relative to the export directory
    format: str


def _stats(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"mean": None, "std": None, "min": None, "max": None}
    return {"mean": statistics.fmean(values), "std": statistics.pstdev(values), "min": min(values), "max": max(values)}


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _size_category(n: int) -> str:
    return "n<1K" if n < 1_000 else "1K<n<10K" if n < 10_000 else "10K<n<100K" if n < 100_000 else "100K<n<1M"


def front_matter(facts: CardFacts, simulated_roles: list[str]) -> str:
    from datasets.info import DatasetInfo, DatasetInfosDict
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCardData

    preset = facts.summary.get("preset")
    tags = ["synthetic", "autodata", f"autodata-{preset}"] + (["simulated"] if simulated_roles else [])
    data = DatasetCardData(pretty_name=facts.title, language=["en"], tags=tags,
                           task_categories=["question-answering", "text-generation"],
                           size_categories=[_size_category(facts.counts.get("accepted", 0))])
    configs = {VIEW_CONFIG[view]: {"data_files": [{"split": "train", "path": files}]}
               for view, files in facts.files.items()}
    MetadataConfigs(configs).to_dataset_card_data(data)
    infos = {VIEW_CONFIG[view]: DatasetInfo(features=features(view), config_name=VIEW_CONFIG[view])
             for view in facts.files}
    DatasetInfosDict(infos).to_dataset_card_data(data)
    extra = {"autodata": {"schema_version": SCHEMA_VERSION, "harness_hash": facts.summary.get("harness_hash"),
                          "preset": preset, "seed": facts.summary.get("seed"),
                          "simulated_roles": simulated_roles}}
    return data.to_yaml() + "\n" + yaml.safe_dump(extra, sort_keys=False).rstrip()


def render(facts: CardFacts) -> str:
    summary = facts.summary
    models: dict[str, str] = dict(summary.get("models") or {})
    simulated_roles = sorted(summary.get("simulated_roles") or [])
    lines = [f"# {facts.title}", ""]
    if simulated_roles:
        lines += [f"> **SIMULATED**: {', '.join(simulated_roles)} were played by autodata's offline world "
                  "(a built-in simulation, not a real model). Numbers and texts below describe that world, not "
                  "real model behaviour.", ""]
    lines += [f"Synthetic data written by autodata's `{summary.get('preset')}` "
              f"harness. Source: {facts.source}.", "",
              "## Harness", "",
              f"- harness hash: `{summary.get('harness_hash')}`; preset: `{summary.get('preset')}`; "
              f"seed: {summary.get('seed')}",
              f"- pipeline: {json.dumps(facts.resolved.get('pipeline') or {})}",
              f"- knobs: {json.dumps((facts.resolved.get('config') or {}).get('knobs') or {})}", "",
              "## Models", "", "| role | model | played by |", "|---|---|---|"]
    for role, model in models.items():
        lines.append(f"| {role} | `{model}` | {'SIMULATED (offline world)' if role in simulated_roles else 'real'} |")
    accepted = facts.accepted
    weak = _stats([r["weak_mean"] for r in accepted if r["weak_mean"] is not None])
    strong = _stats([r["strong_mean"] for r in accepted if r["strong_mean"] is not None])
    gap = _stats([r["gap"] for r in accepted if r["gap"] is not None])
    lines += ["", "## Counts and acceptance" + (" (SIMULATED)" if simulated_roles else ""), "",
              f"- documents: {summary.get('documents')}, rounds: {summary.get('rounds')}",
              f"- accepted samples: {facts.counts.get('accepted', 0)}; acceptance rate (documents with an accepted "
              f"sample): {_cell(summary.get('acceptance_rate'))}",
              f"- rejected candidates listed: {facts.counts.get('rejected', 0)}", "",
              "| solver score over accepted samples | mean | std | min | max |", "|---|---|---|---|---|"]
    for name, stats in (("weak mean", weak), ("strong mean", strong), ("gap (strong - weak)", gap)):
        lines.append(f"| {name} | " + " | ".join(_cell(stats[k]) for k in ("mean", "std", "min", "max")) + " |")
    lines += ["", "## Failure mix", "", "| failed candidates by reason | count | share |", "|---|---|---|"]
    for reason, count in facts.failure_counts.items():
        lines.append(f"| {reason} | {count} | {_cell(facts.failure_mix.get(reason))} |")
    lines += ["", "## Files", "", f"Format: {facts.format}. Every view is a `datasets` config of this card:", ""]
    for view, files in facts.files.items():
        lines.append(f"- `{VIEW_CONFIG[view]}` ({', '.join(files)}, {facts.counts.get(view, 0)} rows): {VIEW_TEXT[view]}")
    lines += ["", "```python", "import datasets",
              'accepted = datasets.load_dataset("path/to/this/folder", split="train")',
              'chat = datasets.load_dataset("path/to/this/folder", "chat", split="train")', "```", "",
              "Reward for GRPO: score = clip(sum(w_i * s_i) / sum(w_i for w_i > 0), 0, 1), s_i the judge's binary "
              "verdict on criterion i of `rubric` (a negative weight penalizes the behaviour it names).", "",
              "## Configuration", "", "The resolved harness configuration (keys are never recorded):", "",
              "```yaml", yaml.safe_dump(facts.resolved.get("config") or {}, sort_keys=False, allow_unicode=True,
                                         width=100).rstrip(), "```", ""]
    return f"---\n{front_matter(facts, simulated_roles)}\n---\n\n" + "\n".join(lines)


def write_card(directory: Path, facts: CardFacts) -> Path:
    path = directory / "README.md"
    path.write_text(render(facts), encoding="utf-8")
    return path
