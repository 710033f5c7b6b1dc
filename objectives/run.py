"""A finished (or partial) generation read back from its output directory."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.generate import ACCEPTED_FILE, ROUNDS_FILE, SUMMARY_FILE
from harness.records import AcceptedSample, RoundRecord, read_jsonl


class RunNotFoundError(ValueError):
    """The directory does not hold a generation's records."""


@dataclass
class RunRecords:
    rounds: list[RoundRecord]
    accepted: list[AcceptedSample]
    documents: int
    summary: dict[str, Any] = field(default_factory=dict)
    resolved: dict[str, Any] = field(default_factory=dict)
    out: Path | None = None

    @property
    def simulated(self) -> bool:
        return bool(self.summary.get("simulated", False))

    @property
    def models(self) -> dict[str, str]:
        return dict(self.summary.get("models", {}))


def load_run(out: str | Path) -> RunRecords:
    out = Path(out)
    if not (out / ROUNDS_FILE).exists():
        raise RunNotFoundError(f"{out}: no {ROUNDS_FILE} (not a generation output directory)")
    rounds = [RoundRecord.model_validate(row) for row in read_jsonl(out / ROUNDS_FILE)]
    accepted = [AcceptedSample.model_validate(row) for row in read_jsonl(out / ACCEPTED_FILE)]
    summary = json.loads((out / SUMMARY_FILE).read_text(encoding="utf-8")) if (out / SUMMARY_FILE).exists() else {}
    resolved_path = out / "config.resolved.json"
    resolved = json.loads(resolved_path.read_text(encoding="utf-8")) if resolved_path.exists() else {}
    if summary.get("document_ids") is not None:  # this run's documents (the directory may hold more)
        ids = set(summary["document_ids"])
        rounds = [r for r in rounds if r.doc_id in ids]
        accepted = [a for a in accepted if a.doc_id in ids]
    documents = int(summary.get("documents") or len({r.doc_id for r in rounds}))
    return RunRecords(rounds, accepted, documents, summary, resolved, out)
