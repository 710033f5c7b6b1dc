"""``autodata export``: a generation's dataset (or a sweep's best harness's) as files to take away.

SOURCE is a generation's output directory, or a sweep's (it holds ``report.json``): then the best
harness's test evaluation is exported, or its validation evaluation when there is no test one,
and the card says which. FORMAT is ``jsonl``, ``parquet`` or ``hf`` (the ``datasets`` library's
own on-disk format, ``Dataset.save_to_disk``, one folder per view). Each writes the three views of
``experiments/export_rows.py`` (accepted, chat, rejected) and a dataset card, README.md, whose
front matter makes ``datasets.load_dataset(DIR)`` load the export with its declared types.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from experiments.dataset_card import CardFacts, write_card
from experiments.export_rows import VIEWS, accepted_row, chat_row, features, rejected_rows
from objectives.evaluate import read_scorecard
from objectives.run import RunNotFoundError, load_run
from objectives.scorecard import build_scorecard

FORMATS = ("jsonl", "parquet", "hf")
SWEEP_SPLITS = ("test", "validation")  # which of the best harness's evaluations is exported, in order


class ExportError(ValueError):
    """The source cannot be exported (already phrased for the user: names the path)."""


@dataclass(frozen=True)
class ExportResult:
    """What ``export`` wrote."""

    directory: Path
    format: str
    source: Path  # the generation directory whose records were exported
    source_note: str  # the same in words (for a sweep: which harness and which evaluation)
    files: dict[str, list[Path]]  # view -> its data files
    counts: dict[str, int]  # view -> rows
    card: Path
    simulated_roles: list[str] = field(default_factory=list)


def resolve_source(source: Path) -> tuple[Path, str]:
    """The generation directory to export and a description of it; a sweep gives its best harness's."""
    if (source / "report.json").is_file():
        report = json.loads((source / "report.json").read_text(encoding="utf-8"))
        best = report.get("best") or {}
        harness = best.get("harness_hash")
        if not harness:
            raise ExportError(f"{source}/report.json: best.harness_hash: missing (not a finished sweep's report)")
        for split in SWEEP_SPLITS:
            found = sorted((source / "evals").glob(f"{harness}-{split}-s*"))
            found = [d for d in found if (d / "rounds.jsonl").is_file()]
            if found:
                return found[0], (f"sweep {source.name} (study {report.get('study')}): best harness {harness} "
                                  f"(trial {best.get('trial')}), its {split} evaluation ({found[0].name})")
        raise ExportError(f"{source}: the best harness {harness} has no test or validation evaluation under evals/")
    if (source / "rounds.jsonl").is_file():
        return source, f"generation {source}"
    raise ExportError(f"{source}: neither a generation's output directory (rounds.jsonl) nor a sweep's (report.json)")


def _write(rows: list[dict[str, Any]], view: str, directory: Path, fmt: str) -> list[Path]:
    from datasets import Dataset

    dataset = Dataset.from_list(rows, features=features(view))
    if fmt == "hf":
        target = directory / view
        dataset.save_to_disk(str(target))
        return sorted(target.glob("*.arrow"))
    path = directory / f"{view}.{fmt}"
    if fmt == "jsonl":
        dataset.to_json(str(path), lines=True, force_ascii=False)
    else:
        dataset.to_parquet(str(path))
    return [path]


def export(source: str | Path, format: str = "jsonl", to: str | Path | None = None) -> ExportResult:
    """Write the accepted, chat and rejected views and the dataset card of ``source`` to ``to``
    (default ``SOURCE/export-FORMAT``)."""
    if format not in FORMATS:
        raise ExportError(f"unknown format '{format}'; formats are {', '.join(FORMATS)}")
    source = Path(source)
    run_dir, note = resolve_source(source)
    try:
        run = load_run(run_dir)
    except RunNotFoundError as error:
        raise ExportError(str(error)) from None
    directory = Path(to) if to is not None else source / f"export-{format}"
    directory.mkdir(parents=True, exist_ok=True)
    accepted = sorted(run.accepted, key=lambda a: a.id)
    rows = {"accepted": [accepted_row(a) for a in accepted], "chat": [chat_row(a) for a in accepted],
            "rejected": rejected_rows(run.rounds)}
    files = {view: _write(rows[view], view, directory, format) for view in VIEWS}
    counts = {view: len(rows[view]) for view in VIEWS}
    card = read_scorecard(run_dir) or build_scorecard(run)
    summary = run.summary or {"preset": run.resolved.get("config", {}).get("preset"),
                              "harness_hash": run.resolved.get("harness_hash")}
    facts = CardFacts(
        title=f"autodata {summary.get('preset')} dataset ({summary.get('harness_hash')})",
        source=note, summary=summary, resolved=run.resolved, failure_counts=card.failure_counts,
        failure_mix=card.failure_mix, accepted=rows["accepted"], counts=counts,
        files={view: [p.relative_to(directory).as_posix() for p in paths] for view, paths in files.items()},
        format=format)
    return ExportResult(directory=directory, format=format, source=run_dir, source_note=note, files=files,
                        counts=counts, card=write_card(directory, facts),
                        simulated_roles=sorted(summary.get("simulated_roles") or []))
