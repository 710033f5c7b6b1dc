"""Dataset-level feedback inside the loop: every N accepted samples, a report on the dataset so far.

The report (``knobs.feedback_dataset_every``; 0 is off) covers the question-type and skill-tag
mix of the accepted samples, their near-duplicate rate (harness/similarity.py), the failure mix
of every decided candidate, and the difficulty distribution (weak and strong means, the gap);
it names the question types the run writes that the dataset under-covers. The orchestrator
reads it after the grouped failures, so it steers the guidance of the documents that start
after it was made.

Documents run concurrently, so a document reads a *snapshot*: the latest report when its first
round starts, recorded (``RoundRecord.dataset_snapshot``) in the rounds it influenced and kept in
``dataset_feedback.jsonl``; a resumed document reads the snapshot its earlier rounds read.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.records import AcceptedSample, JsonlWriter, RoundRecord, read_jsonl
from harness.similarity import near_duplicate_rate

FILE = "dataset_feedback.jsonl"
_FAILURES = ("too_easy", "failed_on_strong", "failed_quality_check", "improve", "filtered")


@dataclass(frozen=True)
class Snapshot:
    id: int
    at_accepted: int
    text: str
    report: dict[str, Any]


def _mix(values: list[str]) -> dict[str, float]:
    counts = Counter(values)
    total = sum(counts.values())
    return {k: round(v / total, 3) for k, v in counts.most_common()} if total else {}


def _quartiles(values: list[float]) -> list[float] | None:
    if len(values) < 2:
        return [round(values[0], 3)] * 3 if values else None
    q = statistics.quantiles(values, n=4, method="inclusive")
    return [round(v, 3) for v in q]


def build_report(accepted: list[AcceptedSample], rounds: list[RoundRecord]) -> dict[str, Any]:
    written = [c.sample.question_type for r in rounds for c in r.candidates if c.sample is not None]
    types = _mix([a.sample.question_type for a in accepted])
    # A type the run writes but the dataset holds at under half its fair share is under-covered.
    known = sorted(set(written))
    fair = 1.0 / len(known) if known else 0.0
    under = [t for t in known if types.get(t, 0.0) < fair / 2]
    decisions = Counter(c.decision for r in rounds for c in r.candidates if c.decision in _FAILURES)
    return {
        "accepted": len(accepted),
        "question_types": types,
        "skill_tags": dict(list(_mix([t for a in accepted for t in a.sample.skill_tags]).items())[:8]),
        "near_duplicate_rate": near_duplicate_rate([f"{a.sample.question}\n{a.sample.context}" for a in accepted]),
        "failure_mix": dict(decisions.most_common()),
        "weak_mean_quartiles": _quartiles([a.weak_mean for a in accepted if a.weak_mean is not None]),
        "gap_quartiles": _quartiles([a.gap for a in accepted if a.gap is not None]),
        "under_covered": under,
    }


def _pct(mix: dict[str, float]) -> str:
    return ", ".join(f"{k} {round(100 * v)}%" for k, v in mix.items()) or "none yet"


def format_report(snapshot_id: int, report: dict[str, Any]) -> str:
    dup = report["near_duplicate_rate"]
    lines = [
        f"DATASET SO FAR (report {snapshot_id}, {report['accepted']} accepted samples):",
        f"question types: {_pct(report['question_types'])}",
        f"skill tags: {_pct(report['skill_tags'])}",
        f"near-duplicate rate: {'n/a' if dup is None else f'{dup:.2f}'}",
        "failure mix: " + (", ".join(f"{k.replace('_', ' ')} {v}" for k, v in report["failure_mix"].items()) or "none"),
        f"difficulty: weak mean quartiles {report['weak_mean_quartiles']}, gap quartiles {report['gap_quartiles']}",
        "under-covered question types: " + (", ".join(report["under_covered"]) or "none"),
    ]
    return "\n".join(lines)


class DatasetFeedback:
    """Makes a snapshot every ``every`` accepted samples and hands documents theirs."""

    def __init__(self, every: int, out: Path) -> None:
        self.every = every
        self.path = out / FILE
        self.snapshots = [Snapshot(row["id"], row["at_accepted"], row["text"], row["report"])
                          for row in read_jsonl(self.path)]
        self._writer: JsonlWriter | None = None

    @property
    def latest(self) -> Snapshot | None:
        return self.snapshots[-1] if self.snapshots else None

    def by_id(self, snapshot_id: int) -> Snapshot | None:
        return next((s for s in self.snapshots if s.id == snapshot_id), None)

    def for_document(self, rounds: list[RoundRecord]) -> Snapshot | None:
        """What a document reads: the snapshot its earlier rounds read (resume), else the latest."""
        if rounds:
            read = [r.dataset_snapshot for r in rounds if r.dataset_snapshot is not None]
            return self.by_id(read[-1]) if read else None
        return self.latest

    def observe(self, accepted: list[AcceptedSample], rounds: list[RoundRecord]) -> Snapshot | None:
        """A new snapshot when the dataset grew by ``every`` since the last one (else None)."""
        last = self.latest.at_accepted if self.latest else 0
        if self.every <= 0 or len(accepted) < last + self.every:
            return None
        report = build_report(accepted, rounds)
        snapshot_id = (self.latest.id + 1) if self.latest else 1
        snapshot = Snapshot(snapshot_id, len(accepted), format_report(snapshot_id, report), report)
        if self._writer is None:
            self._writer = JsonlWriter(self.path)
        self._writer.write({"id": snapshot.id, "at_accepted": snapshot.at_accepted, "text": snapshot.text,
                            "report": report})
        self.snapshots.append(snapshot)
        return snapshot

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
